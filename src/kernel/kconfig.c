#include "config.h"

#include "kernel/kconfig.h"

#include <string.h>

#include "util/datapath.h"
#include "util/fsutil.h"

GQuark
ktstr_kconfig_error_quark (void)
{
  return g_quark_from_static_string ("ktstr-kconfig-error-quark");
}

/* What ktstr itself needs from a kernel; the rest of the fragment is
 * best effort (an option olddefconfig drops for want of a dependency on
 * this architecture is not an error). */
static const char *const required_options[] = {
  "SCHED_CLASS_EXT",
  "BPF_SYSCALL",
  "BPF_JIT",
  "DEBUG_INFO_BTF",
  "FTRACE",
  "KPROBE_EVENTS",
  "BPF_EVENTS",
  "VIRTIO_CONSOLE",
  "SERIAL_8250_CONSOLE",
  "BLK_DEV_INITRD",
  NULL,
};

const char *const *
ktstr_kconfig_required (void)
{
  return required_options;
}

char *
ktstr_kconfig_fragment_path (void)
{
  const char *env = g_getenv ("KTSTR_KCONFIG");
  if (env != NULL && *env != '\0')
    return g_strdup (env);
  return ktstr_data_path ("ktstr.kconfig");
}

char *
ktstr_kconfig_crc32_hex (const char *data, gsize len)
{
  guint32 crc = 0xffffffffu;
  for (gsize i = 0; i < len; i++)
    {
      crc ^= (guint8)data[i];
      for (int b = 0; b < 8; b++)
        crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
    }
  return g_strdup_printf ("%08x", crc ^ 0xffffffffu);
}

char *
ktstr_kconfig_fragment_load (const char *path, char **hash_out, GError **error)
{
  g_autofree char *text = NULL;
  gsize len = 0;
  g_autoptr (GError) local = NULL;
  if (!g_file_get_contents (path, &text, &len, &local))
    {
      g_set_error (error, KTSTR_KCONFIG_ERROR, KTSTR_KCONFIG_ERROR_IO,
                   "cannot read the ktstr kconfig fragment: %s (set KTSTR_KCONFIG to its path, "
                   "or reinstall ktstr)",
                   local->message);
      return NULL;
    }
  if (hash_out != NULL)
    *hash_out = ktstr_kconfig_crc32_hex (text, len);
  return g_steal_pointer (&text);
}

/* The option a .config line sets ("CONFIG_X=..." or "# CONFIG_X is not
 * set"), as a new string without the CONFIG_ prefix; NULL for anything
 * else (comments, blank lines). */
static char *
line_option (const char *line)
{
  const char *p = line;
  gboolean is_unset = FALSE;
  if (g_str_has_prefix (p, "# CONFIG_"))
    {
      p += 2;
      is_unset = TRUE;
    }
  if (!g_str_has_prefix (p, "CONFIG_"))
    return NULL;
  p += strlen ("CONFIG_");
  gsize n = strspn (p, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_");
  if (n == 0)
    return NULL;
  if (is_unset ? strcmp (p + n, " is not set") != 0 : p[n] != '=')
    return NULL;
  return g_strndup (p, n);
}

gboolean
ktstr_kconfig_merge (const char *config_path, const char *fragment, GError **error)
{
  g_autoptr (GHashTable) named = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr (GString) tail = g_string_new ("\n# --- ktstr.kconfig ---\n");
  g_auto (GStrv) flines = g_strsplit (fragment, "\n", -1);
  for (guint i = 0; flines[i] != NULL; i++)
    {
      char *line = g_strstrip (flines[i]);
      if (*line == '\0')
        continue;
      char *opt = line_option (line);
      if (opt == NULL)
        {
          if (line[0] == '#')
            continue;
          g_set_error (error, KTSTR_KCONFIG_ERROR, KTSTR_KCONFIG_ERROR_SYNTAX,
                       "ktstr kconfig fragment line %u '%s' is neither 'CONFIG_X=value' nor "
                       "'# CONFIG_X is not set'",
                       i + 1, line);
          return FALSE;
        }
      g_hash_table_add (named, opt);
      g_string_append_printf (tail, "%s\n", line);
    }

  g_autofree char *old = NULL;
  g_autoptr (GError) local = NULL;
  if (!g_file_get_contents (config_path, &old, NULL, &local))
    {
      g_set_error (error, KTSTR_KCONFIG_ERROR, KTSTR_KCONFIG_ERROR_IO, "cannot read %s: %s",
                   config_path, local->message);
      return FALSE;
    }
  g_autoptr (GString) out = g_string_new (NULL);
  g_auto (GStrv) lines = g_strsplit (old, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      if (lines[i + 1] == NULL && lines[i][0] == '\0')
        break; /* the empty piece after the final newline */
      g_autofree char *opt = line_option (lines[i]);
      if (opt != NULL && g_hash_table_contains (named, opt))
        continue;
      g_string_append_printf (out, "%s\n", lines[i]);
    }
  g_string_append (out, tail->str);
  if (!ktstr_file_replace (config_path, out->str, out->len, 0644, &local))
    {
      g_set_error (error, KTSTR_KCONFIG_ERROR, KTSTR_KCONFIG_ERROR_IO, "%s", local->message);
      return FALSE;
    }
  return TRUE;
}

gboolean
ktstr_kconfig_validate (const char *config_path, GError **error)
{
  g_autofree char *text = NULL;
  g_autoptr (GError) local = NULL;
  if (!g_file_get_contents (config_path, &text, NULL, &local))
    {
      g_set_error (error, KTSTR_KCONFIG_ERROR, KTSTR_KCONFIG_ERROR_IO, "cannot read %s: %s",
                   config_path, local->message);
      return FALSE;
    }
  g_autoptr (GHashTable) set = g_hash_table_new (g_str_hash, g_str_equal);
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    if (g_str_has_prefix (lines[i], "CONFIG_") && g_str_has_suffix (lines[i], "=y"))
      {
        lines[i][strlen (lines[i]) - 2] = '\0';
        g_hash_table_add (set, lines[i] + strlen ("CONFIG_"));
      }
  g_autoptr (GString) missing = g_string_new (NULL);
  for (guint i = 0; required_options[i] != NULL; i++)
    if (!g_hash_table_contains (set, required_options[i]))
      g_string_append_printf (missing, "%sCONFIG_%s", missing->len ? ", " : "",
                              required_options[i]);
  if (missing->len > 0)
    {
      g_set_error (error, KTSTR_KCONFIG_ERROR, KTSTR_KCONFIG_ERROR_MISSING,
                   "%s lacks %s after 'make olddefconfig': a dependency the fragment does not "
                   "enable is off in this tree (check 'make menuconfig' for what they depend "
                   "on), or the kernel is too old (sched_ext needs Linux 6.12 or newer)",
                   config_path, missing->str);
      return FALSE;
    }
  return TRUE;
}
