/* Per-vCPU KVM statistics from the binary stats interface
 * (KVM_GET_STATS_FD, Linux 5.14+): exits, halt polls, IRQ injections and
 * the rest of what the host KVM counts, read once at the end of a run and
 * recorded in the sidecar's kvm_stats. */
#ifndef KTSTR_KVM_STATS_H
#define KTSTR_KVM_STATS_H

#include <glib.h>

G_BEGIN_DECLS

/* Every scalar statistic of STATS_FD (histograms are skipped) as a new
 * table: char *name -> guint64 *value, both owned by the table. */
GHashTable *ktstr_kvm_stats_read (int stats_fd, GError **error);

G_END_DECLS

#endif
