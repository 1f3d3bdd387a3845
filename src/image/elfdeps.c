#include "config.h"

#include "image/elfdeps.h"

#include <elf.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "common/image-probe.h"

GQuark
ktstr_elfdeps_error_quark (void)
{
  return g_quark_from_static_string ("ktstr-elfdeps-error-quark");
}

/* glibc's built-in trusted directories after ld.so.conf (Debian adds the
 * multiarch ones; they normally come from ld.so.conf.d anyway). */
static const char *const x86_64_default_dirs[] = { "/lib/x86_64-linux-gnu",
                                                   "/usr/lib/x86_64-linux-gnu",
                                                   "/lib64",
                                                   "/usr/lib64",
                                                   "/lib",
                                                   "/usr/lib",
                                                   NULL };
static const char *const aarch64_default_dirs[] = { "/lib/aarch64-linux-gnu",
                                                    "/usr/lib/aarch64-linux-gnu",
                                                    "/lib64",
                                                    "/usr/lib64",
                                                    "/lib",
                                                    "/usr/lib",
                                                    NULL };

/* What one ELF object says about its dependencies. */
typedef struct
{
  guint16 machine;
  char *interp;
  GPtrArray *needed; /* char* */
  char **rpath;      /* NULL when absent */
  char **runpath;    /* NULL when absent */
} ElfInfo;

static void
elf_info_clear (ElfInfo *e)
{
  g_free (e->interp);
  g_clear_pointer (&e->needed, g_ptr_array_unref);
  g_clear_pointer (&e->rpath, g_strfreev);
  g_clear_pointer (&e->runpath, g_strfreev);
}

void
ktstr_elfdeps_free (KtstrElfDeps *deps)
{
  if (deps == NULL)
    return;
  for (guint i = 0; deps->libs && i < deps->libs->len; i++)
    {
      KtstrElfLib *l = deps->libs->pdata[i];
      g_free (l->name);
      g_free (l->path);
      g_free (l->needed_by);
      g_free (l);
    }
  g_clear_pointer (&deps->libs, g_ptr_array_unref);
  g_free (deps->binary);
  g_free (deps->interp);
  g_free (deps);
}

gboolean
ktstr_elfdeps_is_elf (const char *path)
{
  KtstrImageProbe probe;
  return ktstr_image_probe_file (path, &probe) == 0 && probe.kind == KTSTR_IMAGE_ELF;
}

static gboolean
malformed (GError **error, const char *path, const char *what)
{
  g_set_error (error, KTSTR_ELFDEPS_ERROR, KTSTR_ELFDEPS_ERROR_MALFORMED,
               "'%s' is a malformed ELF file: %s", path, what);
  return FALSE;
}

/* File offset of virtual address V, through the PT_LOAD segments. */
static gboolean
vaddr_to_offset (const guint8 *data, gsize len, const Elf64_Ehdr *eh, guint64 v, guint64 *off)
{
  for (guint i = 0; i < eh->e_phnum; i++)
    {
      Elf64_Phdr ph;
      memcpy (&ph, data + eh->e_phoff + (guint64)i * eh->e_phentsize, sizeof ph);
      if (ph.p_type == PT_LOAD && v >= ph.p_vaddr && v < ph.p_vaddr + ph.p_filesz)
        {
          *off = v - ph.p_vaddr + ph.p_offset;
          return *off < len;
        }
    }
  return FALSE;
}

static char *
string_at (const guint8 *data, gsize len, guint64 strtab, guint64 strsz, guint64 idx)
{
  if (idx >= strsz || strtab + idx >= len)
    return NULL;
  gsize max = MIN (strsz - idx, len - (strtab + idx));
  const char *s = (const char *)data + strtab + idx;
  gsize n = strnlen (s, max);
  if (n == max)
    return NULL;
  return g_strndup (s, n);
}

/* Reads PATH's ELF header, PT_INTERP and dynamic section into E. */
static gboolean
elf_read (const char *path, ElfInfo *e, GError **error)
{
  g_autoptr (GError) local = NULL;
  g_autoptr (GMappedFile) mf = g_mapped_file_new (path, FALSE, &local);
  if (mf == NULL)
    {
      g_set_error (error, KTSTR_ELFDEPS_ERROR, KTSTR_ELFDEPS_ERROR_READ, "%s", local->message);
      return FALSE;
    }
  const guint8 *data = (const guint8 *)g_mapped_file_get_contents (mf);
  gsize len = g_mapped_file_get_length (mf);
  KtstrImageProbe probe;
  ktstr_image_probe (data, len, &probe);
  if (probe.kind != KTSTR_IMAGE_ELF)
    {
      g_set_error (error, KTSTR_ELFDEPS_ERROR, KTSTR_ELFDEPS_ERROR_NOT_ELF,
                   "'%s' is not an ELF file", path);
      return FALSE;
    }
  if (len < sizeof (Elf64_Ehdr) || !probe.is_elf64 || !probe.is_little_endian)
    {
      g_set_error (error, KTSTR_ELFDEPS_ERROR, KTSTR_ELFDEPS_ERROR_UNSUPPORTED,
                   "'%s' is not a 64-bit little-endian ELF file; only those can be packed", path);
      return FALSE;
    }
  if (probe.elf_machine != KTSTR_ELF_MACHINE_X86_64
      && probe.elf_machine != KTSTR_ELF_MACHINE_AARCH64)
    {
      g_set_error (error, KTSTR_ELFDEPS_ERROR, KTSTR_ELFDEPS_ERROR_UNSUPPORTED,
                   "'%s' is for ELF machine %u, not x86-64 or aarch64", path, probe.elf_machine);
      return FALSE;
    }
  Elf64_Ehdr eh;
  memcpy (&eh, data, sizeof eh);
  e->machine = eh.e_machine;
  e->needed = g_ptr_array_new_with_free_func (g_free);
  if (eh.e_phnum == 0)
    return TRUE;
  if (eh.e_phentsize < sizeof (Elf64_Phdr) || eh.e_phoff > len
      || (guint64)eh.e_phnum * eh.e_phentsize > len - eh.e_phoff)
    return malformed (error, path, "program headers outside the file");

  Elf64_Phdr dyn = { 0 };
  for (guint i = 0; i < eh.e_phnum; i++)
    {
      Elf64_Phdr ph;
      memcpy (&ph, data + eh.e_phoff + (guint64)i * eh.e_phentsize, sizeof ph);
      if (ph.p_offset > len || ph.p_filesz > len - ph.p_offset)
        return malformed (error, path, "a segment lies outside the file");
      if (ph.p_type == PT_INTERP)
        {
          gsize n = strnlen ((const char *)data + ph.p_offset, ph.p_filesz);
          if (n == 0 || n == ph.p_filesz)
            return malformed (error, path, "PT_INTERP is not a string");
          /* The loader takes one interpreter; two is not a program. */
          if (e->interp != NULL)
            return malformed (error, path, "it has two PT_INTERP segments");
          e->interp = g_strndup ((const char *)data + ph.p_offset, n);
        }
      else if (ph.p_type == PT_DYNAMIC)
        dyn = ph;
    }
  if (dyn.p_type != PT_DYNAMIC)
    return TRUE;

  guint64 strtab_v = 0, strsz = 0;
  gboolean has_strtab = FALSE;
  gsize ndyn = dyn.p_filesz / sizeof (Elf64_Dyn);
  g_autoptr (GArray) name_idx = g_array_new (FALSE, FALSE, sizeof (guint64));
  gint64 rpath_idx = -1, runpath_idx = -1;
  for (gsize i = 0; i < ndyn; i++)
    {
      Elf64_Dyn d;
      memcpy (&d, data + dyn.p_offset + i * sizeof d, sizeof d);
      if (d.d_tag == DT_NULL)
        break;
      switch (d.d_tag)
        {
        case DT_NEEDED:
          g_array_append_val (name_idx, d.d_un.d_val);
          break;
        case DT_STRTAB:
          strtab_v = d.d_un.d_ptr;
          has_strtab = TRUE;
          break;
        case DT_STRSZ:
          strsz = d.d_un.d_val;
          break;
        case DT_RPATH:
          rpath_idx = (gint64)d.d_un.d_val;
          break;
        case DT_RUNPATH:
          runpath_idx = (gint64)d.d_un.d_val;
          break;
        default:
          break;
        }
    }
  if (name_idx->len == 0 && rpath_idx < 0 && runpath_idx < 0)
    return TRUE;
  guint64 strtab = 0;
  if (!has_strtab || !vaddr_to_offset (data, len, &eh, strtab_v, &strtab))
    return malformed (error, path, "DT_STRTAB does not map into the file");
  if (strsz == 0)
    strsz = len - strtab;
  for (guint i = 0; i < name_idx->len; i++)
    {
      char *s = string_at (data, len, strtab, strsz, g_array_index (name_idx, guint64, i));
      if (s == NULL)
        return malformed (error, path, "a DT_NEEDED name lies outside the string table");
      g_ptr_array_add (e->needed, s);
    }
  if (rpath_idx >= 0)
    {
      g_autofree char *s = string_at (data, len, strtab, strsz, (guint64)rpath_idx);
      if (s == NULL)
        return malformed (error, path, "DT_RPATH lies outside the string table");
      e->rpath = g_strsplit (s, ":", -1);
    }
  if (runpath_idx >= 0)
    {
      g_autofree char *s = string_at (data, len, strtab, strsz, (guint64)runpath_idx);
      if (s == NULL)
        return malformed (error, path, "DT_RUNPATH lies outside the string table");
      e->runpath = g_strsplit (s, ":", -1);
    }
  return TRUE;
}

static gint
compare_strings (gconstpointer a, gconstpointer b)
{
  return strcmp (*(char *const *)a, *(char *const *)b);
}

/* Appends the directories of an ld.so.conf file, following includes. */
static void
read_ld_so_conf (const char *path, GPtrArray *dirs, guint depth)
{
  g_autofree char *text = NULL;
  if (depth > 8 || !g_file_get_contents (path, &text, NULL, NULL))
    return;
  g_auto (GStrv) lines = g_strsplit (text, "\n", -1);
  for (char **l = lines; *l; l++)
    {
      char *hash = strchr (*l, '#');
      if (hash)
        *hash = '\0';
      char *line = g_strstrip (*l);
      if (*line == '\0')
        continue;
      if (g_str_has_prefix (line, "include") && g_ascii_isspace (line[7]))
        {
          const char *pattern = g_strstrip (line + 8);
          g_autofree char *dir = g_path_get_dirname (pattern);
          g_autofree char *base = g_path_get_basename (pattern);
          if (!g_path_is_absolute (pattern))
            {
              g_autofree char *conf_dir = g_path_get_dirname (path);
              g_autofree char *abs = g_build_filename (conf_dir, dir, NULL);
              g_free (dir);
              dir = g_steal_pointer (&abs);
            }
          g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
          g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
          const char *name;
          while (d && (name = g_dir_read_name (d)) != NULL)
            if (g_pattern_match_simple (base, name))
              g_ptr_array_add (names, g_build_filename (dir, name, NULL));
          /* glob(3) order, which ldconfig uses. */
          g_ptr_array_sort (names, compare_strings);
          for (guint i = 0; i < names->len; i++)
            read_ld_so_conf (names->pdata[i], dirs, depth + 1);
        }
      else if (!g_str_has_prefix (line, "hwcap"))
        g_ptr_array_add (dirs, g_strdup (line));
    }
}

static char *
expand_origin (const char *dir, const char *object)
{
  if (strstr (dir, "ORIGIN") == NULL)
    return g_strdup (dir);
  g_autofree char *real = g_canonicalize_filename (object, NULL);
  g_autofree char *origin = g_path_get_dirname (real);
  g_autoptr (GString) s = g_string_new (dir);
  g_string_replace (s, "${ORIGIN}", origin, 0);
  g_string_replace (s, "$ORIGIN", origin, 0);
  return g_string_free (g_steal_pointer (&s), FALSE);
}

/* Is PATH an ELF object the loader would accept for MACHINE? */
static gboolean
is_compatible (const char *path, guint16 machine)
{
  ElfInfo e = { 0 };
  gboolean ok = g_file_test (path, G_FILE_TEST_IS_REGULAR) && elf_read (path, &e, NULL)
                && e.machine == machine;
  elf_info_clear (&e);
  return ok;
}

typedef struct
{
  char *path;         /* the object */
  char **rpath_chain; /* RPATHs of it and its loaders (if it has no RUNPATH) */
} Pending;

static void
add_dirs (GPtrArray *out, char *const *dirs, const char *object)
{
  for (char *const *d = dirs; d && *d; d++)
    if (**d != '\0')
      g_ptr_array_add (out, expand_origin (*d, object));
}

KtstrElfDeps *
ktstr_elfdeps_resolve (const char *binary, const KtstrElfSearch *search, GError **error)
{
  g_autoptr (KtstrElfDeps) deps = g_new0 (KtstrElfDeps, 1);
  deps->binary = g_strdup (binary);
  deps->libs = g_ptr_array_new ();

  ElfInfo top = { 0 };
  if (!elf_read (binary, &top, error))
    {
      elf_info_clear (&top);
      return NULL;
    }
  deps->interp = g_strdup (top.interp);
  guint16 machine = top.machine;
  elf_info_clear (&top);

  g_auto (GStrv) env_llp = NULL;
  const char *const *llp = search ? search->ld_library_path : NULL;
  if (search == NULL && g_getenv ("LD_LIBRARY_PATH") != NULL)
    {
      env_llp = g_strsplit (g_getenv ("LD_LIBRARY_PATH"), ":", -1);
      llp = (const char *const *)env_llp;
    }
  g_autoptr (GPtrArray) conf_dirs = g_ptr_array_new_with_free_func (g_free);
  const char *conf = search && search->ld_so_conf ? search->ld_so_conf : "/etc/ld.so.conf";
  if (*conf != '\0')
    read_ld_so_conf (conf, conf_dirs, 0);
  const char *const *defaults = search && search->default_dirs ? search->default_dirs
                                : machine == EM_AARCH64        ? aarch64_default_dirs
                                                               : x86_64_default_dirs;

  g_autoptr (GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  /* The loader satisfies a DT_NEEDED of its own name (libc names it) with
   * itself, wherever else a file of that name lies. */
  if (deps->interp != NULL)
    g_hash_table_add (seen, g_path_get_basename (deps->interp));
  g_autoptr (GQueue) queue = g_queue_new ();
  Pending *first = g_new0 (Pending, 1);
  first->path = g_strdup (binary);
  g_queue_push_tail (queue, first);

  gboolean ok = TRUE;
  while (ok && !g_queue_is_empty (queue))
    {
      Pending *p = g_queue_pop_head (queue);
      ElfInfo e = { 0 };
      ok = elf_read (p->path, &e, error);
      /* RPATH applies to the whole chain below an object without RUNPATH. */
      g_autoptr (GStrvBuilder) chain = g_strv_builder_new ();
      if (ok && e.runpath == NULL)
        {
          g_autoptr (GPtrArray) mine = g_ptr_array_new_with_free_func (g_free);
          add_dirs (mine, e.rpath, p->path);
          for (guint i = 0; i < mine->len; i++)
            g_strv_builder_add (chain, mine->pdata[i]);
          for (char **d = p->rpath_chain; d && *d; d++)
            g_strv_builder_add (chain, *d);
        }
      g_auto (GStrv) chain_v = g_strv_builder_end (chain);

      for (guint i = 0; ok && i < e.needed->len; i++)
        {
          const char *name = e.needed->pdata[i];
          g_autoptr (GPtrArray) dirs = g_ptr_array_new_with_free_func (g_free);
          g_autofree char *found = NULL;
          if (g_hash_table_contains (seen, name))
            continue;
          if (strchr (name, '/') != NULL)
            found = is_compatible (name, machine) ? g_strdup (name) : NULL;
          else
            {
              add_dirs (dirs, chain_v, p->path);
              add_dirs (dirs, (char *const *)llp, p->path);
              add_dirs (dirs, e.runpath, p->path);
              for (guint j = 0; j < conf_dirs->len; j++)
                g_ptr_array_add (dirs, g_strdup (conf_dirs->pdata[j]));
              add_dirs (dirs, (char *const *)defaults, p->path);
              for (guint j = 0; found == NULL && j < dirs->len; j++)
                {
                  g_autofree char *cand = g_build_filename (dirs->pdata[j], name, NULL);
                  if (is_compatible (cand, machine))
                    found = g_steal_pointer (&cand);
                }
            }
          if (found == NULL)
            {
              g_autoptr (GString) tried = g_string_new (NULL);
              for (guint j = 0; j < dirs->len; j++)
                g_string_append_printf (tried, "%s%s", j ? ", " : "", (char *)dirs->pdata[j]);
              g_set_error (error, KTSTR_ELFDEPS_ERROR, KTSTR_ELFDEPS_ERROR_MISSING_LIBRARY,
                           "'%s' needs the shared library %s, which was not found%s%s; install "
                           "it, or add its directory to LD_LIBRARY_PATH",
                           p->path, name, tried->len ? " in " : "", tried->str);
              ok = FALSE;
              break;
            }
          g_hash_table_add (seen, g_strdup (name));
          KtstrElfLib *lib = g_new0 (KtstrElfLib, 1);
          lib->name = g_strdup (name);
          lib->path = g_strdup (found);
          lib->needed_by = g_strdup (p->path);
          g_ptr_array_add (deps->libs, lib);
          Pending *next = g_new0 (Pending, 1);
          next->path = g_strdup (found);
          next->rpath_chain = g_strdupv (chain_v);
          g_queue_push_tail (queue, next);
        }
      elf_info_clear (&e);
      g_free (p->path);
      g_strfreev (p->rpath_chain);
      g_free (p);
    }
  while (!g_queue_is_empty (queue))
    {
      Pending *p = g_queue_pop_head (queue);
      g_free (p->path);
      g_strfreev (p->rpath_chain);
      g_free (p);
    }
  if (!ok)
    return NULL;
  return g_steal_pointer (&deps);
}
