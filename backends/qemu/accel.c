/* Accelerator choice and the KVM progress finding cache: see accel.h. */
#include "config.h"

#include "backends/qemu/accel.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "common/atomic-file.h"

#define CACHE_KEY_FINDING "kvm"
#define CACHE_KEY_PROBE "probe_s"
#define CACHE_KEY_RECORDED "recorded"
#define CACHE_KEY_REASON "reason"

gboolean
ktstr_accel_choose (KtstrAccel requested, const char *env_value, const char *kvm_why,
                    KtstrKvmFinding finding, KtstrAccelChoice *choice, GError **error)
{
  memset (choice, 0, sizeof *choice);
  if (env_value != NULL && *env_value != '\0')
    {
      if (g_str_equal (env_value, "kvm"))
        requested = KTSTR_ACCEL_KVM;
      else if (g_str_equal (env_value, "tcg"))
        requested = KTSTR_ACCEL_TCG;
      else if (g_str_equal (env_value, "auto"))
        requested = KTSTR_ACCEL_AUTO;
      else
        {
          g_set_error (error, KTSTR_BACKEND_ERROR, KTSTR_BACKEND_ERROR_INVALID,
                       "KTSTR_ACCEL='%s' is not an accelerator; use kvm, tcg or auto", env_value);
          return FALSE;
        }
    }

  switch (requested)
    {
    case KTSTR_ACCEL_TCG:
      choice->accel = "tcg";
      return TRUE;
    case KTSTR_ACCEL_KVM:
      if (kvm_why != NULL)
        {
          g_set_error (error, KTSTR_BACKEND_ERROR, KTSTR_BACKEND_ERROR_UNAVAILABLE,
                       "KVM was requested but %s; use the tcg accelerator (KTSTR_ACCEL=tcg)",
                       kvm_why);
          return FALSE;
        }
      choice->accel = "kvm";
      return TRUE;
    case KTSTR_ACCEL_AUTO:
    default:
      break;
    }

  if (kvm_why != NULL)
    choice->accel = "tcg";
  else if (finding == KTSTR_KVM_FINDING_SLOW)
    {
      choice->accel = "tcg";
      choice->tcg_from_cache = TRUE;
    }
  else
    {
      choice->accel = "kvm";
      choice->probe_kvm = finding != KTSTR_KVM_FINDING_OK;
    }
  return TRUE;
}

char *
ktstr_accel_kvm_unusable_reason (void)
{
  int fd = open ("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (fd < 0)
    return g_strdup_printf ("/dev/kvm cannot be opened (%s)", g_strerror (errno));
  close (fd);
  return NULL;
}

guint
ktstr_accel_probe_seconds (void)
{
  const char *env = g_getenv ("KTSTR_KVM_PROBE_S");
  guint64 value;
  if (env != NULL && g_ascii_string_to_unsigned (env, 10, 1, 3600, &value, NULL))
    return (guint)value;
  return KTSTR_ACCEL_PROBE_S_DEFAULT;
}

char *
ktstr_accel_cache_path (void)
{
  /* Not g_get_user_cache_dir (): it caches the first answer for the whole
   * process, and the XDG spec says to ignore relative paths. */
  const char *xdg = g_getenv ("XDG_CACHE_HOME");
  if (xdg != NULL && g_path_is_absolute (xdg))
    return g_build_filename (xdg, "ktstr", "accel.ini", NULL);
  return g_build_filename (g_get_home_dir (), ".cache", "ktstr", "accel.ini", NULL);
}

char *
ktstr_accel_host_key_build (const char *kernel_release, const char *qemu_version,
                            const char *cpu_model)
{
  char *key = g_strdup_printf (
      "kernel %s, qemu %s, %s", kernel_release ? kernel_release : "unknown",
      qemu_version ? qemu_version : "unknown", cpu_model ? cpu_model : "unknown cpu");
  for (char *p = key; *p != '\0'; p++)
    if (*p == '[')
      *p = '(';
    else if (*p == ']')
      *p = ')';
    else if (g_ascii_iscntrl (*p))
      *p = ' ';
  return key;
}

static char *
cpu_model_current (void)
{
  g_autofree char *cpuinfo = NULL;
  if (!g_file_get_contents ("/proc/cpuinfo", &cpuinfo, NULL, NULL))
    return NULL;
  for (char *line = cpuinfo; line != NULL && *line != '\0';)
    {
      char *next = strchr (line, '\n');
      if (next != NULL)
        *next++ = '\0';
      if (g_str_has_prefix (line, "model name"))
        {
          const char *colon = strchr (line, ':');
          if (colon != NULL)
            return g_strstrip (g_strdup (colon + 1));
        }
      line = next;
    }
  return NULL;
}

/* "7.2.22" from "QEMU emulator version 7.2.22 (Debian ...)". */
static char *
qemu_version_current (const char *qemu)
{
  const char *argv[] = { qemu, "--version", NULL };
  g_autofree char *out = NULL;
  const char *p;
  if (!g_spawn_sync (NULL, (char **)argv, NULL, G_SPAWN_SEARCH_PATH | G_SPAWN_STDERR_TO_DEV_NULL,
                     NULL, NULL, &out, NULL, NULL, NULL)
      || out == NULL || (p = strstr (out, "version ")) == NULL)
    return NULL;
  p += strlen ("version ");
  return g_strndup (p, strcspn (p, " \n"));
}

G_LOCK_DEFINE_STATIC (host_key);

char *
ktstr_accel_host_key_current (const char *qemu)
{
  /* `qemu --version` costs tens of milliseconds: ask once per binary. */
  static char *last_qemu, *last_key;
  struct utsname uts;
  g_autofree char *version = NULL;
  g_autofree char *cpu = NULL;
  char *key;

  G_LOCK (host_key);
  if (last_key != NULL && g_strcmp0 (qemu, last_qemu) == 0)
    {
      key = g_strdup (last_key);
      G_UNLOCK (host_key);
      return key;
    }
  G_UNLOCK (host_key);
  version = qemu_version_current (qemu);
  cpu = cpu_model_current ();
  key = ktstr_accel_host_key_build (uname (&uts) == 0 ? uts.release : NULL, version, cpu);
  G_LOCK (host_key);
  g_free (last_qemu);
  g_free (last_key);
  last_qemu = g_strdup (qemu);
  last_key = g_strdup (key);
  G_UNLOCK (host_key);
  return key;
}

KtstrKvmFinding
ktstr_accel_cache_lookup (const char *cache_path, const char *host_key)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autofree char *value = NULL;

  /* A missing or unreadable cache only means we probe again. */
  if (!g_key_file_load_from_file (kf, cache_path, G_KEY_FILE_NONE, NULL))
    return KTSTR_KVM_FINDING_UNKNOWN;
  value = g_key_file_get_string (kf, host_key, CACHE_KEY_FINDING, NULL);
  if (g_strcmp0 (value, "slow") == 0)
    return KTSTR_KVM_FINDING_SLOW;
  if (g_strcmp0 (value, "ok") == 0)
    return KTSTR_KVM_FINDING_OK;
  return KTSTR_KVM_FINDING_UNKNOWN;
}

gboolean
ktstr_accel_cache_record (const char *cache_path, const char *host_key, KtstrKvmFinding finding,
                          const char *reason, guint probe_s, GError **error)
{
  g_autoptr (GKeyFile) kf = g_key_file_new ();
  g_autoptr (GDateTime) now = g_date_time_new_now_utc ();
  g_autofree char *dir = g_path_get_dirname (cache_path);
  g_autofree char *stamp = g_date_time_format_iso8601 (now);

  g_key_file_load_from_file (kf, cache_path, G_KEY_FILE_KEEP_COMMENTS, NULL);
  if (finding == KTSTR_KVM_FINDING_UNKNOWN)
    g_key_file_remove_group (kf, host_key, NULL);
  else
    {
      g_key_file_set_string (kf, host_key, CACHE_KEY_FINDING,
                             finding == KTSTR_KVM_FINDING_SLOW ? "slow" : "ok");
      g_key_file_set_integer (kf, host_key, CACHE_KEY_PROBE, (gint)probe_s);
      g_key_file_set_string (kf, host_key, CACHE_KEY_RECORDED, stamp);
      if (reason != NULL)
        g_key_file_set_string (kf, host_key, CACHE_KEY_REASON, reason);
      else
        g_key_file_remove_key (kf, host_key, CACHE_KEY_REASON, NULL);
    }
  if (g_mkdir_with_parents (dir, 0700) < 0)
    {
      int saved = errno;
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (saved),
                   "cannot create the ktstr cache directory '%s': %s", dir, g_strerror (saved));
      return FALSE;
    }
  /* Replaced atomically (common/atomic-file.h): a ktstr killed while
   * writing leaves the old findings, never a torn file. */
  gsize len = 0;
  g_autofree char *data = g_key_file_to_data (kf, &len, NULL);
  KtstrAtomicStep step;
  int rc = ktstr_atomic_file_write (cache_path, data, len, 0600, &step);
  if (rc != 0)
    {
      g_set_error (error, G_FILE_ERROR, g_file_error_from_errno (-rc),
                   "cannot write %s: %s (while %s)", cache_path, g_strerror (-rc),
                   ktstr_atomic_step_name (step));
      return FALSE;
    }
  return TRUE;
}
