#!/bin/sh
echo "no VM tests yet"
