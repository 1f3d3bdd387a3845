/* Who holds a ktstr lock file, from /proc/locks (record/lock-holders.h). */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "record/lock-holders.h"

static void
lock_holder_free (KtstrLockHolder *holder)
{
  if (holder == NULL)
    return;
  g_free (holder->cmdline);
  g_free (holder);
}

GPtrArray *
ktstr_lock_holders_parse (const char *proc_locks, guint64 inode)
{
  GPtrArray *out = g_ptr_array_new_with_free_func ((GDestroyNotify)lock_holder_free);
  if (proc_locks == NULL)
    return out;
  g_auto (GStrv) lines = g_strsplit (proc_locks, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      /* "1: FLOCK  ADVISORY  WRITE 12345 08:02:1234 0 EOF"; a waiter reads
       * "1: -> FLOCK ..." and fails the type match. */
      char type[16], adv[16], mode[16], dev[64];
      long pid;
      unsigned long long ino;
      if (sscanf (lines[i], "%*d: %15s %15s %15s %ld %63s", type, adv, mode, &pid, dev) != 5
          || strcmp (type, "FLOCK") != 0)
        continue;
      char *colon = strrchr (dev, ':');
      if (colon == NULL || sscanf (colon + 1, "%llu", &ino) != 1 || ino != inode)
        continue;
      KtstrLockHolder *h = g_new0 (KtstrLockHolder, 1);
      h->pid = pid;
      h->is_exclusive = strcmp (mode, "WRITE") == 0;
      g_ptr_array_add (out, h);
    }
  return out;
}

static char *
read_cmdline (long pid)
{
  g_autofree char *path = g_strdup_printf ("/proc/%ld/cmdline", pid);
  char *data = NULL;
  gsize len = 0;
  if (!g_file_get_contents (path, &data, &len, NULL) || len == 0)
    {
      g_free (data);
      return g_strdup ("(unknown)");
    }
  for (gsize i = 0; i < len; i++)
    if (data[i] == '\0')
      data[i] = ' ';
  return g_strstrip (data);
}

GPtrArray *
ktstr_lock_holders_of (const char *path)
{
  struct stat st;
  g_autofree char *locks = NULL;
  if (stat (path, &st) != 0 || !g_file_get_contents ("/proc/locks", &locks, NULL, NULL))
    return ktstr_lock_holders_parse (NULL, 0);
  GPtrArray *out = ktstr_lock_holders_parse (locks, st.st_ino);
  for (guint i = 0; i < out->len; i++)
    {
      KtstrLockHolder *h = out->pdata[i];
      h->cmdline = read_cmdline (h->pid);
    }
  return out;
}

char *
ktstr_lock_holders_format (const GPtrArray *holders, const char *indent)
{
  GString *out = g_string_new (NULL);
  for (guint i = 0; i < holders->len; i++)
    {
      const KtstrLockHolder *h = holders->pdata[i];
      if (out->len > 0)
        g_string_append_c (out, '\n');
      g_string_append_printf (out, "%spid=%ld cmd=%s", indent, h->pid,
                              h->cmdline != NULL ? h->cmdline : "(unknown)");
    }
  if (out->len == 0)
    g_string_append (out, "<none recorded>");
  return g_string_free (out, FALSE);
}

gboolean
ktstr_lock_holders_are_only (const GPtrArray *holders, long pid)
{
  for (guint i = 0; i < holders->len; i++)
    if (((const KtstrLockHolder *)holders->pdata[i])->pid != pid)
      return FALSE;
  return holders->len > 0;
}
