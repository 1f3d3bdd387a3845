/* Accelerator choice for the QEMU backend.
 *
 * /dev/kvm existing is not proof that KVM works: on nested, software-assisted
 * hosts a Linux guest makes almost no progress under it.  So with
 * KTSTR_ACCEL_AUTO the backend tries KVM only when /dev/kvm opens and the
 * host is not already known to be slow; if the guest then says nothing on
 * its control channel within the probe window (or QEMU fails under KVM, or
 * the guest ends first), the backend relaunches it under TCG and, once the
 * guest speaks there, records the finding in a GKeyFile
 * (${XDG_CACHE_HOME:-~/.cache}/ktstr/accel.ini), keyed by host kernel
 * release, QEMU version and CPU model, so later runs go straight to TCG.
 * A KVM boot that did speak records the opposite finding, so a guest that
 * genuinely never speaks is not mistaken for a slow KVM on that host later.
 * KTSTR_ACCEL=kvm|tcg|auto in the environment overrides the request.
 */
#ifndef KTSTR_BACKENDS_QEMU_ACCEL_H
#define KTSTR_BACKENDS_QEMU_ACCEL_H

#include <glib.h>

#include "backends/backend.h"

G_BEGIN_DECLS

#define KTSTR_ACCEL_PROBE_S_DEFAULT 15

typedef enum
{
  KTSTR_KVM_FINDING_UNKNOWN = 0,
  KTSTR_KVM_FINDING_SLOW, /* a KVM guest made no progress within the probe window */
  KTSTR_KVM_FINDING_OK,   /* a KVM guest reached its agent */
} KtstrKvmFinding;

typedef struct
{
  const char *accel;       /* "kvm" or "tcg" */
  gboolean probe_kvm;      /* fall back to TCG if the KVM guest stays silent */
  gboolean tcg_from_cache; /* AUTO chose TCG because of a cached SLOW finding */
} KtstrAccelChoice;

/* Pure decision.  ENV_VALUE is $KTSTR_ACCEL (NULL or "" when unset);
 * KVM_WHY says why /dev/kvm cannot be used (NULL when it opened).
 * KTSTR_BACKEND_ERROR_INVALID for a bad ENV_VALUE, _UNAVAILABLE when KVM is
 * required but cannot be opened. */
gboolean ktstr_accel_choose (KtstrAccel requested, const char *env_value, const char *kvm_why,
                             KtstrKvmFinding finding, KtstrAccelChoice *choice, GError **error);

/* NULL when /dev/kvm opens read-write; otherwise why not (free it). */
char *ktstr_accel_kvm_unusable_reason (void);

/* Seconds a KVM guest gets to say its first line: $KTSTR_KVM_PROBE_S or
 * KTSTR_ACCEL_PROBE_S_DEFAULT. */
guint ktstr_accel_probe_seconds (void);

/* ${XDG_CACHE_HOME:-$HOME/.cache}/ktstr/accel.ini, read from the
 * environment on every call. */
char *ktstr_accel_cache_path (void);

/* "kernel 6.1.0-13-amd64, qemu 7.2.22, AMD EPYC 7B13": a GKeyFile group
 * name (brackets and control characters replaced). */
char *ktstr_accel_host_key_build (const char *kernel_release, const char *qemu_version,
                                  const char *cpu_model);

/* The same for this host and QEMU binary (runs `QEMU --version` once per
 * binary per process). */
char *ktstr_accel_host_key_current (const char *qemu);

KtstrKvmFinding ktstr_accel_cache_lookup (const char *cache_path, const char *host_key);

/* Records FINDING for HOST_KEY (UNKNOWN forgets it), with REASON (may be
 * NULL: what the probe saw) and the probe window used; written atomically. */
gboolean ktstr_accel_cache_record (const char *cache_path, const char *host_key,
                                   KtstrKvmFinding finding, const char *reason, guint probe_s,
                                   GError **error);

G_END_DECLS

#endif
