/* The host-memory sampler: reads each CPU's runqueue straight out of the
 * guest's RAM, which the VM backend shares with this process, so the
 * guest runs nothing at all for it.
 *
 * Attaching (once the guest kernel is up) reads page_offset_base and
 * __per_cpu_offset[] and checks that the memory really is the kernel the
 * vmlinux describes: linux_banner must read back as the image's, and each
 * CPU's struct rq must hold its own CPU number.  A mismatch (another
 * build, a relocated kernel without nokaslr) fails the attach with the
 * reason rather than producing numbers from the wrong place.
 *
 * The CPU time of each vCPU thread comes from
 * /proc/PID/task/TID/schedstat (its first field, ns on a CPU), for the
 * preempted-vCPU exemption. */
#ifndef KTSTR_MONITOR_HOST_SAMPLER_H
#define KTSTR_MONITOR_HOST_SAMPLER_H

#include <glib.h>

#include "monitor/guest-mem.h"
#include "monitor/kernel-layout.h"
#include "monitor/sample.h"

G_BEGIN_DECLS

typedef struct _KtstrHostSampler KtstrHostSampler;

/* LAYOUT and MEM are borrowed and must outlive the sampler.  PID and
 * TIDS (N_CPUS entries, or NULL) name the vCPU threads. */
KtstrHostSampler *ktstr_host_sampler_new (const KtstrKernelLayout *layout, const KtstrGuestMem *mem,
                                          guint n_cpus, int pid, const int *tids);
void ktstr_host_sampler_free (KtstrHostSampler *sampler);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrHostSampler, ktstr_host_sampler_free)

/* Finds the runqueues and checks the memory against the vmlinux (see
 * above).  KTSTR_MONITOR_ERROR_GUEST_MEMORY names what did not match. */
gboolean ktstr_host_sampler_attach (KtstrHostSampler *sampler, GError **error);

/* Fills OUT (initialised here) with one reading of every CPU; its
 * elapsed_ms is left 0 for the caller.  FALSE when a runqueue could not
 * be read (OUT is cleared). */
gboolean ktstr_host_sampler_sample (KtstrHostSampler *sampler, KtstrMonitorSample *out);

/* How the sampler translates kernel addresses, once attached. */
const KtstrKvaMap *ktstr_host_sampler_get_map (const KtstrHostSampler *sampler);

/* The kernel virtual address of CPU's struct rq, once attached. */
guint64 ktstr_host_sampler_rq (const KtstrHostSampler *sampler, guint cpu);

/* The CPU time of the host thread TID of process PID in ns, read from
 * PROC_ROOT/PID/task/TID/schedstat (PROC_ROOT is "/proc"). */
gboolean ktstr_host_thread_cpu_ns (const char *proc_root, int pid, int tid, guint64 *ns);

G_END_DECLS

#endif
