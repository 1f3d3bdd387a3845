/* Host context: a fingerprint of the machine that ran a test (CPU model,
 * memory, hugepages, THP policy, scheduler tunables, topology, uname,
 * kernel cmdline).  It is stored as the sidecar's `host` object
 * (doc/sidecar-schema.md) and rendered by `show-host`.
 *
 * Every field is optional.  In JSON, absent fields are omitted and missing
 * keys parse as absent; `heap_state`, which only the Rust ktstr writes (its
 * allocator's statistics), is accepted and dropped (doc/compatibility.md). */
#ifndef KTSTR_HOSTCTX_H
#define KTSTR_HOSTCTX_H

#include <glib.h>
#include <json-glib/json-glib.h>

G_BEGIN_DECLS

#define KTSTR_HOST_CONTEXT_ERROR (ktstr_host_context_error_quark ())
GQuark ktstr_host_context_error_quark (void);

typedef enum
{
  KTSTR_HOST_CONTEXT_ERROR_INVALID, /* JSON is not an object or a field has the wrong type */
} KtstrHostContextError;

/* One entry of cpufreq_governor; the array is kept sorted by cpu. */
typedef struct
{
  guint cpu;
  char *governor;
} KtstrCpuGovernor;

typedef struct
{
  char *cpu_model; /* NULL = absent (likewise for every char*) */
  char *cpu_vendor;
  gboolean has_total_memory_kb;
  guint64 total_memory_kb;
  gboolean has_hugepages_total;
  guint64 hugepages_total;
  gboolean has_hugepages_free;
  guint64 hugepages_free;
  gboolean has_hugepages_size_kb;
  guint64 hugepages_size_kb;
  char *thp_enabled; /* trimmed, brackets kept: "always [madvise] never" */
  char *thp_defrag;
  GHashTable *sched_tunables; /* char* -> char*; NULL = unknown, empty = none */
  gboolean has_online_cpus;
  guint64 online_cpus;
  gboolean has_numa_nodes;
  guint64 numa_nodes;
  GPtrArray *cpufreq_governor; /* KtstrCpuGovernor*, sorted by cpu; NULL or empty = absent */
  char *kernel_name;
  char *kernel_release;
  char *arch;
  char *kernel_cmdline;
} KtstrHostContext;

KtstrHostContext *ktstr_host_context_new (void);
void ktstr_host_context_free (KtstrHostContext *ctx);
KtstrHostContext *ktstr_host_context_copy (const KtstrHostContext *ctx);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrHostContext, ktstr_host_context_free)

/* Adds (or replaces) CPU's governor, keeping the array sorted. */
void ktstr_host_context_set_governor (KtstrHostContext *ctx, guint cpu, const char *governor);

/* Probes the running host.  Static fields (CPU model/vendor, memory total,
 * hugepage size, online CPUs, NUMA nodes, uname) are read once per process;
 * dynamic ones (sched tunables, hugepage counts, THP, cpufreq governors,
 * cmdline) are re-read on every call.  Never fails: unreadable sources
 * leave their field absent. */
KtstrHostContext *ktstr_host_context_collect (void);

/* JSON object with absent fields omitted, in the field order above. */
JsonNode *ktstr_host_context_to_json (const KtstrHostContext *ctx);
KtstrHostContext *ktstr_host_context_from_json (JsonNode *node, GError **error);

/* Human-readable, one `key: value` line per field (kernel_name,
 * kernel_release, arch, cpu_model, cpu_vendor, memory and hugepages,
 * online_cpus, numa_nodes, THP, kernel_cmdline, then the governor and
 * tunable maps), `(unknown)` for absent scalars; ends with a newline.  The
 * last line is always "heap_state: (unknown)": the Rust ktstr prints its
 * allocator's state there, and keeping the line keeps both outputs
 * diffable (doc/compatibility.md). */
char *ktstr_host_context_format_human (const KtstrHostContext *ctx);

G_END_DECLS

#endif
