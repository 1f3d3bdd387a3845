/* One program instead of a test plan: what `ktstr run -- CMD` and `ktstr
 * shell` ask of the guest.  The spec file (format and messages in
 * common/proto.h) names the program and its arguments and environment;
 * in run mode its stdout and stderr go to the host as "out" frames while
 * it runs, in shell mode it gets the console as its controlling terminal
 * (the host connects that console to the user's terminal).  Either way
 * the host learns its exit status from an "exit" message. */
#ifndef KTSTR_GUEST_EXEC_H
#define KTSTR_GUEST_EXEC_H

#include <stdbool.h>
#include <stdint.h>

#include "guest-init/ctrl.h"
#include "guest-init/util.h"

#define KTSTR_EXEC_MAX_ARGS 256
#define KTSTR_EXEC_MAX_ENV 32
/* Output is sent in frames of at most this many bytes (twice that in hex). */
#define KTSTR_EXEC_CHUNK 2048

typedef enum
{
  KTSTR_EXEC_MODE_RUN,
  KTSTR_EXEC_MODE_SHELL,
} KtstrExecMode;

typedef struct
{
  KtstrExecMode mode;
  char *argv[KTSTR_EXEC_MAX_ARGS + 1]; /* NULL-terminated */
  char *env[KTSTR_EXEC_MAX_ENV + 1];   /* NULL-terminated */
  unsigned n_args, n_env;
  uint64_t guard_ms; /* 0: no guard */
  char tty[64];
  unsigned rows, cols; /* 0: leave the terminal's size alone */
  char text[65536];    /* the spec file; argv and env point into it */
} KtstrExecSpec;

/* Parses the spec file TEXT (in place: argv and env point into it). */
int ktstr_exec_spec_parse (KtstrExecSpec *spec, KtstrError *err);
int ktstr_exec_spec_load (const char *path, KtstrExecSpec *spec, KtstrError *err);

/* Runs the program SPEC names to its end and sends "exit" (and its output
 * as "out" in run mode).  KEEP_OUT: descriptors the program must not
 * inherit.  Returns 0 once "exit" was sent, -1 with ERR when the program
 * could not be started at all (no fork, no pipe, no terminal). */
int ktstr_exec_run (const KtstrExecSpec *spec, KtstrCtrl *ctrl, const int *keep_out,
                    unsigned n_keep_out, KtstrError *err);

/* The status a shell would report for a waitpid STATUS: the exit code, or
 * 128 + the signal. */
int ktstr_exec_status_code (int status);

#endif
