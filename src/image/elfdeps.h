/* The shared-library closure of an ELF program, found by reading ELF
 * headers and applying the dynamic loader's search rules, never by running
 * ldd (which executes the program's loader on the host).
 *
 * For each object: PT_INTERP (the loader), DT_NEEDED, DT_RPATH (used only
 * when the object has no DT_RUNPATH) and DT_RUNPATH.  A name with a '/' is
 * a path; otherwise the directories are tried in the loader's order: the
 * RPATHs of the object and of the objects that loaded it, LD_LIBRARY_PATH,
 * the object's RUNPATH, the directories of /etc/ld.so.conf (following
 * include globs), then the default directories.  $ORIGIN expands to the
 * object's directory.  A candidate of another ELF class or machine is
 * skipped, as the loader does.  Only x86-64 and aarch64 ELF64
 * little-endian objects are supported. */
#ifndef KTSTR_ELFDEPS_H
#define KTSTR_ELFDEPS_H

#include <glib.h>

G_BEGIN_DECLS

#define KTSTR_ELFDEPS_ERROR (ktstr_elfdeps_error_quark ())
GQuark ktstr_elfdeps_error_quark (void);

typedef enum
{
  KTSTR_ELFDEPS_ERROR_READ,            /* cannot open or read the file */
  KTSTR_ELFDEPS_ERROR_NOT_ELF,         /* no ELF magic */
  KTSTR_ELFDEPS_ERROR_UNSUPPORTED,     /* another class, byte order or machine */
  KTSTR_ELFDEPS_ERROR_MALFORMED,       /* headers point outside the file */
  KTSTR_ELFDEPS_ERROR_MISSING_LIBRARY, /* a DT_NEEDED name was not found */
} KtstrElfDepsError;

typedef struct
{
  char *name;      /* the DT_NEEDED name, e.g. "libelf.so.1" */
  char *path;      /* where it was found on the host */
  char *needed_by; /* the object that named it first */
} KtstrElfLib;

typedef struct
{
  char *binary;    /* the program itself */
  char *interp;    /* PT_INTERP, NULL for a static program */
  GPtrArray *libs; /* KtstrElfLib*, breadth-first, each once */
} KtstrElfDeps;

void ktstr_elfdeps_free (KtstrElfDeps *deps);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrElfDeps, ktstr_elfdeps_free)

typedef struct
{
  const char *const *ld_library_path; /* NULL: none (callers pass $LD_LIBRARY_PATH split) */
  const char *ld_so_conf;             /* NULL: /etc/ld.so.conf; "" for none */
  const char *const *default_dirs;    /* NULL: the loader's built-in list for the machine */
} KtstrElfSearch;

/* Resolves the closure of BINARY.  SEARCH may be NULL (host defaults, with
 * $LD_LIBRARY_PATH).  A library that cannot be found is
 * KTSTR_ELFDEPS_ERROR_MISSING_LIBRARY naming the library, the object that
 * needs it and the directories searched. */
KtstrElfDeps *ktstr_elfdeps_resolve (const char *binary, const KtstrElfSearch *search,
                                     GError **error);

/* TRUE if PATH starts with the ELF magic (cheap test for --include). */
gboolean ktstr_elfdeps_is_elf (const char *path);

G_END_DECLS

#endif
