/* Shared boots: which tests of a run may run one after another in one VM
 * (how a shared VM's console log is cut into each test's part is
 * console-scan.h's).
 *
 * Booting a kernel under TCG costs seconds per test, often more than the
 * scenario.  Tests that would boot the very same VM (same runner, so the
 * same kernel, scheduler choice, kernel arguments and image; same
 * topology; same memory) can share one: the guest agent runs their plans
 * one by one and puts back what each can leave behind (guest-init/
 * shared.h).  What is not put back (page cache, slab, PID numbers, the
 * kernel log, statistics that count since boot) is why some tests never
 * share: see ktstr_runner_can_share (runner.h), and the README's "Shared
 * boots" for the list.
 *
 * The executor (executor.h) asks ktstr_shared_group for its work: each
 * entry a list of variants that run in one VM (in list order), or one
 * variant that boots alone. */
#ifndef KTSTR_SHARED_GROUP_H
#define KTSTR_SHARED_GROUP_H

#include <glib.h>

#include "run/variant.h"

G_BEGIN_DECLS

/* VARIANTS (KtstrVariant*, borrowed) as units of work: a GPtrArray of
 * GPtrArray, each holding borrowed KtstrVariant* that run in one VM.
 * Without IS_SHARED every unit holds one variant.  With it, the variants
 * that may share (ktstr_runner_can_share, not skipped, not a trial of a
 * repeated run) are grouped by runner, topology and memory; each group is
 * cut into JOBS parts of about equal length (a group shorter than JOBS
 * into single variants), so that JOBS VMs run at once as without sharing.
 * Units are ordered by their first variant's place in VARIANTS, and keep
 * their variants in that order. */
GPtrArray *ktstr_shared_group (GPtrArray *variants, guint jobs, gboolean is_shared);

G_END_DECLS

#endif
