/* Hugepages for performance mode's guest RAM: a hugetlbfs mount of 2 MiB
 * pages with enough of them free.  When there is none the VM runs on
 * normal pages and the run says why, once per test. */
#ifndef KTSTR_RUN_HUGEPAGES_H
#define KTSTR_RUN_HUGEPAGES_H

#include <glib.h>

G_BEGIN_DECLS

#define KTSTR_HUGEPAGES_ERROR (ktstr_hugepages_error_quark ())
GQuark ktstr_hugepages_error_quark (void);

typedef enum
{
  KTSTR_HUGEPAGES_ERROR_UNAVAILABLE, /* none usable; the message says how to provide them */
} KtstrHugepagesError;

/* From MOUNTS (the text of /proc/mounts) and FREE_PAGES (free 2 MiB
 * pages, -1 unknown): the mount point for MEMORY_MB of RAM split evenly
 * over N_NODES guest nodes (each node's share a whole number of pages),
 * or NULL with KTSTR_HUGEPAGES_ERROR_UNAVAILABLE saying what is missing and
 * how to provide it. */
char *ktstr_hugepages_choose (const char *mounts, gint64 free_pages, guint memory_mb, guint n_nodes,
                              GError **error);

/* The same on this host (/proc/mounts, /sys/kernel/mm/hugepages). */
char *ktstr_hugepages_find (guint memory_mb, guint n_nodes, GError **error);

G_END_DECLS

#endif
