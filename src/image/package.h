/* Packing programs and files into the initramfs of a test VM.
 *
 * A dynamically linked program needs its ELF interpreter and the closure of
 * its DT_NEEDED libraries in the guest (src/image/elfdeps.h finds them).  Each
 * library goes into the image at the host path it was found at, and the
 * package remembers those directories so the guest can run the program
 * with LD_LIBRARY_PATH pointing at them (the initramfs has no
 * /etc/ld.so.cache).  Everything is resolved before any VM starts, so a
 * missing library is a setup error naming the library and the program. */
#ifndef KTSTR_PACKAGE_H
#define KTSTR_PACKAGE_H

#include <glib.h>

#include "image/initramfs.h"

G_BEGIN_DECLS

/* Where the scheduler and --include files go in the guest. */
#define KTSTR_GUEST_SCHED_DIR "ktstr/bin"
#define KTSTR_GUEST_INCLUDE_DIR "include-files"

typedef struct
{
  GHashTable *archive_names; /* set of archive names already added */
  GPtrArray *lib_dirs;       /* char*, guest directories holding libraries, in order */
  guint n_files;             /* files added, programs + interpreters + libraries */
} KtstrPackage;

KtstrPackage *ktstr_package_new (void);
void ktstr_package_free (KtstrPackage *pkg);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrPackage, ktstr_package_free)

/* Adds HOST_PATH at GUEST_PATH (no leading '/'); when it is a dynamically
 * linked ELF program also its interpreter and libraries.  WHAT names the
 * role in error messages ("scheduler", "--include file"). */
gboolean ktstr_package_add (KtstrPackage *pkg, KtstrInitramfsSpec *spec, const char *what,
                            const char *host_path, const char *guest_path, GError **error);

/* LD_LIBRARY_PATH for the guest, "" when nothing dynamic was packed. */
char *ktstr_package_ld_library_path (const KtstrPackage *pkg);

G_END_DECLS

#endif
