/* Gauntlet topology presets (ktstr(1), GAUNTLET) and the rules that drop
 * the ones a run cannot use.
 *
 * A preset is dropped, with a reason, when it violates the test's
 * constraints (min/max LLCs, CPUs, NUMA nodes, requires SMT), the
 * scheduler definition's constraints, or what the host can run:
 *
 *   KVM  total vCPUs <= host CPUs and LLCs <= host LLCs (as ktstr does);
 *   TCG  total vCPUs <= the vCPU budget, by default 4 x host CPUs (TCG
 *        vCPUs are host threads; past ~4 per host CPU a 2 s scenario
 *        starves the guest and its verdict measures the host, not the
 *        scheduler); KTSTR_VCPU_BUDGET overrides it;
 *   both memory <= half the host's RAM.
 *
 * Dropped presets are skips, never failures. */
#ifndef KTSTR_PRESETS_H
#define KTSTR_PRESETS_H

#include <glib.h>

#include "backends/backend.h"

#include "common/topology.h"
#include "sched/scheduler-def.h"
#include "testdef/testdef.h"

G_BEGIN_DECLS

#define KTSTR_PRESET_ERROR (ktstr_preset_error_quark ())
GQuark ktstr_preset_error_quark (void);

typedef enum
{
  KTSTR_PRESET_ERROR_UNKNOWN,      /* a --presets name no preset has */
  KTSTR_PRESET_ERROR_EMPTY,        /* --presets lists none */
  KTSTR_PRESET_ERROR_DOES_NOT_FIT, /* the test, its scheduler or the host rules a preset out */
} KtstrPresetError;

typedef struct
{
  const char *name;
  KtstrTopology topology;
  guint memory_mb;
} KtstrPreset;

#define KTSTR_PRESETS_COUNT 24

/* The 24 presets, in the reference order. */
const KtstrPreset *ktstr_presets (void);
const KtstrPreset *ktstr_preset_lookup (const char *name);

/* What the host and backend can run. */
typedef struct
{
  gboolean is_kvm;
  guint host_cpus;
  guint host_llcs;        /* 0: unknown, not checked */
  guint64 host_memory_mb; /* 0: unknown, not checked */
  guint vcpu_budget;      /* TCG: largest total vCPUs per VM */
} KtstrHostCapacity;

/* This host: CPUs and memory from the OS, LLCs from sysfs, KVM when
 * KTSTR_ACCEL is not "tcg", BACKEND_NAME is "kvm" or /dev/kvm opens. */
void ktstr_host_capacity_detect (KtstrHostCapacity *cap, const KtstrBackend *backend);

/* TRUE when PRESET fits (the test's constraints and cpusets, the
 * scheduler's constraints, the host); otherwise FALSE and the error
 * (KTSTR_PRESET_ERROR_DOES_NOT_FIT) says why.  DEF, SDEF and CAP may each
 * be NULL (not checked). */
gboolean ktstr_preset_fits (const KtstrPreset *preset, const KtstrTestDef *def,
                            const KtstrSchedulerDef *sdef, const KtstrHostCapacity *cap,
                            GError **error);

/* Parses a comma-separated list of preset names into a NULL-terminated
 * array of presets (borrowed); NULL and *error on an unknown name. */
const KtstrPreset **ktstr_presets_parse_list (const char *list, GError **error);

G_END_DECLS

#endif
