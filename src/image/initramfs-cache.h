/* The cache of base initramfs images (~/.cache/ktstr/initramfs).
 *
 * A base image holds the guest agent and the scheduler under test with
 * its libraries; it is cached by the hash of its inputs and reused by
 * every later run with the same inputs.  What it holds is the user's, so
 * the cache is private: the directory is 0700 (tightened when an older
 * ktstr made it 0755) and each image 0600.  Images are touched when used
 * and evicted when unused for KTSTR_INITRAMFS_CACHE_MAX_AGE_DAYS, and the
 * least recently used go first when all of them together exceed
 * KTSTR_INITRAMFS_CACHE_MAX_BYTES; a writer's temporary file left by a
 * kill goes with them. */
#ifndef KTSTR_INITRAMFS_CACHE_H
#define KTSTR_INITRAMFS_CACHE_H

#include <glib.h>

G_BEGIN_DECLS

#define KTSTR_INITRAMFS_CACHE_MAX_AGE_DAYS 14
#define KTSTR_INITRAMFS_CACHE_MAX_BYTES (1024 * 1024 * 1024)

/* Creates DIR (0700) or makes an existing one private, with the images in
 * it.  Errors name DIR. */
gboolean ktstr_initramfs_cache_prepare (const char *dir, GError **error);

/* Marks the image PATH as used now. */
void ktstr_initramfs_cache_touch (const char *path);

/* Removes from DIR the images unused for more than MAX_AGE_S seconds,
 * then the least recently used until the rest fit in MAX_BYTES; never
 * KEEP (may be NULL), the image the caller is about to use.  Also removes
 * temporary files of killed writers older than an hour.  Returns how many
 * files went. */
guint ktstr_initramfs_cache_evict (const char *dir, const char *keep, gint64 max_age_s,
                                   guint64 max_bytes);

G_END_DECLS

#endif
