/* The ktstr kconfig fragment (data/ktstr.kconfig): where it lives, its
 * hash (part of every kernel cache key), merging it into a tree's .config
 * and checking, after 'make olddefconfig', that the options ktstr cannot
 * run without survived. */
#ifndef KTSTR_KCONFIG_H
#define KTSTR_KCONFIG_H

#include <glib.h>

G_BEGIN_DECLS

#define KTSTR_KCONFIG_ERROR (ktstr_kconfig_error_quark ())
GQuark ktstr_kconfig_error_quark (void);

typedef enum
{
  KTSTR_KCONFIG_ERROR_IO,
  KTSTR_KCONFIG_ERROR_SYNTAX,  /* a fragment line that is not an option */
  KTSTR_KCONFIG_ERROR_MISSING, /* required options did not survive olddefconfig */
} KtstrKconfigError;

/* The fragment's path: $KTSTR_KCONFIG, else ktstr.kconfig in the data
 * directory (util/datapath.h: $KTSTR_DATADIR, the source tree's data/ for
 * a program running uninstalled, else $(pkgdatadir)). */
char *ktstr_kconfig_fragment_path (void);

/* CRC32 (IEEE) of DATA as 8 lowercase hex digits: the "kc" part of cache
 * keys and the config hash. */
char *ktstr_kconfig_crc32_hex (const char *data, gsize len);

/* Reads the fragment at PATH; *hash_out (optional) gets its CRC32. */
char *ktstr_kconfig_fragment_load (const char *path, char **hash_out, GError **error);

/* Appends FRAGMENT's options to CONFIG_PATH, first dropping every line of
 * the .config that sets (or unsets) an option the fragment names, so the
 * fragment wins and no option appears twice. */
gboolean ktstr_kconfig_merge (const char *config_path, const char *fragment, GError **error);

/* The options that must be "=y" after olddefconfig. */
const char *const *ktstr_kconfig_required (void);

/* Checks CONFIG_PATH for ktstr_kconfig_required(); the error
 * (KTSTR_KCONFIG_ERROR_MISSING) names every missing option. */
gboolean ktstr_kconfig_validate (const char *config_path, GError **error);

G_END_DECLS

#endif
