/* Who holds a ktstr lock file: the flock(2) holders the kernel lists in
 * /proc/locks, matched to a file by inode number, with each holder's
 * command line.  Used by every "in use" message (run directories, host CPU
 * reservations) and by `ktstr locks`. */
#ifndef KTSTR_RECORD_LOCK_HOLDERS_H
#define KTSTR_RECORD_LOCK_HOLDERS_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  long pid;
  gboolean is_exclusive; /* WRITE (LOCK_EX) rather than READ (LOCK_SH) */
  char *cmdline;         /* "(unknown)" when the process is gone or unreadable */
} KtstrLockHolder;

/* The FLOCK holders of INODE in PROC_LOCKS (the text of /proc/locks), in
 * the order listed; waiters ("-> FLOCK") are not holders.  Matching is by
 * inode alone: /proc/locks prints the superblock's device, which differs
 * from stat's st_dev on btrfs subvolumes, and a collision across
 * filesystems would only add a line to a message.  GPtrArray of
 * KtstrLockHolder*, empty when none; cmdline is NULL (not looked up). */
GPtrArray *ktstr_lock_holders_parse (const char *proc_locks, guint64 inode);

/* The holders of the file at PATH now, with their command lines. */
GPtrArray *ktstr_lock_holders_of (const char *path);

/* HOLDERS as "pid=N cmd=..." lines, each prefixed with INDENT;
 * "<none recorded>" when empty. */
char *ktstr_lock_holders_format (const GPtrArray *holders, const char *indent);

/* TRUE when HOLDERS is not empty and every holder is process PID. */
gboolean ktstr_lock_holders_are_only (const GPtrArray *holders, long pid);

G_END_DECLS

#endif
