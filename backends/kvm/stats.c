#include "config.h"

#include "backends/kvm/stats.h"

#include <errno.h>
#include <linux/kvm.h>
#include <string.h>
#include <unistd.h>

#include "backends/kvm/kvm-sys.h"

static gboolean
read_at (int fd, void *buf, gsize len, off_t off, GError **error)
{
  gsize done = 0;
  while (done < len)
    {
      ssize_t n = pread (fd, (guint8 *)buf + done, len - done, off + (off_t)done);
      if (n < 0 && errno == EINTR)
        continue;
      if (n <= 0)
        {
          g_set_error (error, KTSTR_KVM_ERROR, KTSTR_KVM_ERROR_RUN,
                       "reading the KVM statistics failed: %s",
                       n < 0 ? g_strerror (errno) : "short read");
          return FALSE;
        }
      done += (gsize)n;
    }
  return TRUE;
}

GHashTable *
ktstr_kvm_stats_read (int fd, GError **error)
{
  struct kvm_stats_header hdr;
  if (!read_at (fd, &hdr, sizeof hdr, 0, error))
    return NULL;
  if (hdr.num_desc > 100000 || hdr.name_size > 4096)
    {
      g_set_error (error, KTSTR_KVM_ERROR, KTSTR_KVM_ERROR_RUN,
                   "the KVM statistics header is implausible (%u descriptors)", hdr.num_desc);
      return NULL;
    }
  gsize desc_size = sizeof (struct kvm_stats_desc) + hdr.name_size;
  g_autofree guint8 *descs = g_malloc0 (desc_size * MAX (hdr.num_desc, 1u));
  if (!read_at (fd, descs, desc_size * hdr.num_desc, hdr.desc_offset, error))
    return NULL;

  GHashTable *t = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  for (guint i = 0; i < hdr.num_desc; i++)
    {
      const struct kvm_stats_desc *d = (const struct kvm_stats_desc *)(descs + i * desc_size);
      guint type = d->flags & KVM_STATS_TYPE_MASK;
      if (d->size != 1 || type == KVM_STATS_TYPE_LINEAR_HIST || type == KVM_STATS_TYPE_LOG_HIST)
        continue;
      guint64 v;
      if (!read_at (fd, &v, sizeof v, (off_t)hdr.data_offset + d->offset, error))
        {
          g_hash_table_unref (t);
          return NULL;
        }
      g_hash_table_insert (t, g_strndup (d->name, hdr.name_size), g_memdup2 (&v, sizeof v));
    }
  return t;
}
