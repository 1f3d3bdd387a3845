/* The kernel's ELF image: see vmlinux.h. */
#include "config.h"

#include "monitor/vmlinux.h"

#include <elf.h>
#include <gio/gio.h>
#include <string.h>

#include "common/image-probe.h"

GQuark
ktstr_vmlinux_error_quark (void)
{
  return g_quark_from_static_string ("ktstr-vmlinux-error-quark");
}

struct _KtstrVmlinux
{
  char *path;
  GMappedFile *map;
  const guint8 *data;
  gsize size;
  const Elf64_Shdr *shdrs;
  guint n_sections;
  const char *shstrtab;
  gsize shstrtab_size;
  GHashTable *symbols; /* name (in the mapping) -> GUINT64 address, boxed */
};

static gboolean
fail (GError **error, KtstrVmlinuxError code, const char *path, const char *what)
{
  g_set_error (error, KTSTR_VMLINUX_ERROR, code, "vmlinux '%s': %s", path, what);
  return FALSE;
}

/* Range-checked pointer into the file. */
static const guint8 *
file_range (const KtstrVmlinux *v, guint64 offset, guint64 len)
{
  if (offset > v->size || len > v->size - offset)
    return NULL;
  return v->data + offset;
}

static const char *
section_name (const KtstrVmlinux *v, const Elf64_Shdr *sh)
{
  if (sh->sh_name >= v->shstrtab_size)
    return "";
  return v->shstrtab + sh->sh_name;
}

static const Elf64_Shdr *
find_section (const KtstrVmlinux *v, const char *name)
{
  for (guint i = 0; i < v->n_sections; i++)
    if (strcmp (section_name (v, &v->shdrs[i]), name) == 0)
      return &v->shdrs[i];
  return NULL;
}

static gboolean
read_headers (KtstrVmlinux *v, GError **error)
{
  const Elf64_Ehdr *eh = (const Elf64_Ehdr *)file_range (v, 0, sizeof (Elf64_Ehdr));
  KtstrImageProbe probe;
  ktstr_image_probe (v->data, v->size, &probe);
  if (eh == NULL || !ktstr_image_is_x86_64_elf (&probe))
    return fail (error, KTSTR_VMLINUX_ERROR_NOT_ELF, v->path,
                 "not a 64-bit x86-64 ELF kernel image (a bzImage has no symbols; give the "
                 "vmlinux of the same build)");
  if (eh->e_shentsize != sizeof (Elf64_Shdr) || eh->e_shnum == 0)
    return fail (error, KTSTR_VMLINUX_ERROR_NOT_ELF, v->path, "no section headers");
  v->shdrs
      = (const Elf64_Shdr *)file_range (v, eh->e_shoff, (guint64)eh->e_shnum * sizeof (Elf64_Shdr));
  if (v->shdrs == NULL || eh->e_shstrndx >= eh->e_shnum)
    return fail (error, KTSTR_VMLINUX_ERROR_NOT_ELF, v->path, "section headers out of the file");
  v->n_sections = eh->e_shnum;
  const Elf64_Shdr *shs = &v->shdrs[eh->e_shstrndx];
  v->shstrtab = (const char *)file_range (v, shs->sh_offset, shs->sh_size);
  v->shstrtab_size = v->shstrtab ? shs->sh_size : 0;
  return TRUE;
}

static gboolean
index_symbols (KtstrVmlinux *v, GError **error)
{
  const Elf64_Shdr *symtab = find_section (v, ".symtab");
  if (symtab == NULL || symtab->sh_type != SHT_SYMTAB || symtab->sh_link >= v->n_sections)
    return fail (error, KTSTR_VMLINUX_ERROR_NO_SYMBOLS, v->path,
                 "no symbol table (.symtab); the image was stripped");
  const Elf64_Shdr *strtab = &v->shdrs[symtab->sh_link];
  const Elf64_Sym *syms = (const Elf64_Sym *)file_range (v, symtab->sh_offset, symtab->sh_size);
  const char *strs = (const char *)file_range (v, strtab->sh_offset, strtab->sh_size);
  if (syms == NULL || strs == NULL || strtab->sh_size == 0 || strs[strtab->sh_size - 1] != '\0')
    return fail (error, KTSTR_VMLINUX_ERROR_NO_SYMBOLS, v->path,
                 "the symbol table lies outside the file");
  gsize n = symtab->sh_size / sizeof (Elf64_Sym);
  v->symbols = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, g_free);
  for (gsize i = 0; i < n; i++)
    {
      const Elf64_Sym *s = &syms[i];
      guint type = ELF64_ST_TYPE (s->st_info);
      if (s->st_name == 0 || s->st_name >= strtab->sh_size || s->st_shndx == SHN_UNDEF
          || (type != STT_OBJECT && type != STT_NOTYPE && type != STT_FUNC))
        continue;
      const char *name = strs + s->st_name;
      /* The first definition wins: a global and a same-named local are
       * rare, and the global comes first in the kernel's table. */
      if (!g_hash_table_contains (v->symbols, name))
        g_hash_table_insert (v->symbols, (gpointer)name,
                             g_memdup2 (&s->st_value, sizeof (guint64)));
    }
  return TRUE;
}

KtstrVmlinux *
ktstr_vmlinux_open (const char *path, GError **error)
{
  g_autoptr (GError) local = NULL;
  GMappedFile *map = g_mapped_file_new (path, FALSE, &local);
  if (map == NULL)
    {
      g_set_error (error, KTSTR_VMLINUX_ERROR, KTSTR_VMLINUX_ERROR_IO, "vmlinux '%s': %s", path,
                   local->message);
      return NULL;
    }
  g_autoptr (KtstrVmlinux) v = g_new0 (KtstrVmlinux, 1);
  v->path = g_strdup (path);
  v->map = map;
  v->data = (const guint8 *)g_mapped_file_get_contents (map);
  v->size = g_mapped_file_get_length (map);
  if (!read_headers (v, error) || !index_symbols (v, error))
    return NULL;
  return g_steal_pointer (&v);
}

void
ktstr_vmlinux_free (KtstrVmlinux *v)
{
  if (v == NULL)
    return;
  g_clear_pointer (&v->symbols, g_hash_table_unref);
  g_clear_pointer (&v->map, g_mapped_file_unref);
  g_free (v->path);
  g_free (v);
}

const char *
ktstr_vmlinux_get_path (const KtstrVmlinux *v)
{
  return v->path;
}

gboolean
ktstr_vmlinux_symbol (const KtstrVmlinux *v, const char *name, guint64 *addr)
{
  const guint64 *a = g_hash_table_lookup (v->symbols, name);
  if (a == NULL)
    return FALSE;
  *addr = *a;
  return TRUE;
}

const guint8 *
ktstr_vmlinux_section (const KtstrVmlinux *v, const char *name, gsize *size)
{
  const Elf64_Shdr *sh = find_section (v, name);
  if (sh == NULL || sh->sh_type == SHT_NOBITS)
    return NULL;
  const guint8 *p = file_range (v, sh->sh_offset, sh->sh_size);
  if (p != NULL)
    *size = sh->sh_size;
  return p;
}

const guint8 *
ktstr_vmlinux_bytes_at (const KtstrVmlinux *v, guint64 addr, gsize len)
{
  for (guint i = 0; i < v->n_sections; i++)
    {
      const Elf64_Shdr *sh = &v->shdrs[i];
      if (!(sh->sh_flags & SHF_ALLOC) || sh->sh_type == SHT_NOBITS || addr < sh->sh_addr
          || addr - sh->sh_addr > sh->sh_size || len > sh->sh_size - (addr - sh->sh_addr))
        continue;
      return file_range (v, sh->sh_offset + (addr - sh->sh_addr), len);
    }
  return NULL;
}

guint
ktstr_kernel_config_text_hz (const char *config)
{
  g_auto (GStrv) lines = g_strsplit (config, "\n", -1);
  for (char **l = lines; *l != NULL; l++)
    {
      guint64 hz;
      if (g_str_has_prefix (*l, "CONFIG_HZ=")
          && g_ascii_string_to_unsigned (g_strstrip (*l) + strlen ("CONFIG_HZ="), 10, 1, 100000,
                                         &hz, NULL))
        return (guint)hz;
    }
  return 0;
}

guint
ktstr_kernel_image_hz (const char *image, const char *tree)
{
  g_autoptr (GPtrArray) paths = g_ptr_array_new_with_free_func (g_free);
  if (tree != NULL)
    g_ptr_array_add (paths, g_build_filename (tree, ".config", NULL));
  if (image != NULL)
    {
      g_autofree char *dir = g_path_get_dirname (image);
      g_autofree char *base = g_path_get_basename (image);
      g_ptr_array_add (paths, g_build_filename (dir, "config", NULL));
      if (g_str_has_prefix (base, "vmlinuz-"))
        {
          g_autofree char *name = g_strconcat ("config-", base + strlen ("vmlinuz-"), NULL);
          g_ptr_array_add (paths, g_build_filename (dir, name, NULL));
        }
    }
  for (guint i = 0; i < paths->len; i++)
    {
      g_autofree char *text = NULL;
      if (!g_file_get_contents (paths->pdata[i], &text, NULL, NULL))
        continue;
      guint hz = ktstr_kernel_config_text_hz (text);
      if (hz != 0)
        return hz;
    }
  return 0;
}

guint
ktstr_vmlinux_config_hz (const KtstrVmlinux *v)
{
  /* CONFIG_IKCONFIG keeps the gzip'ed .config between these markers. */
  static const char start[] = "IKCFG_ST";
  const guint8 *p = memmem (v->data, v->size, start, strlen (start));
  if (p == NULL)
    return 0;
  p += strlen (start);
  gsize avail = v->size - (gsize)(p - v->data);
  g_autoptr (GConverter) z = G_CONVERTER (g_zlib_decompressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP));
  g_autoptr (GByteArray) out = g_byte_array_new ();
  guint8 buf[65536];
  gsize done = 0;
  for (int rounds = 0; rounds < 64; rounds++)
    {
      gsize read = 0, written = 0;
      GConverterResult r = g_converter_convert (z, p + done, avail - done, buf, sizeof buf,
                                                G_CONVERTER_NO_FLAGS, &read, &written, NULL);
      done += read;
      g_byte_array_append (out, buf, written);
      if (r == G_CONVERTER_FINISHED || r == G_CONVERTER_ERROR)
        break;
    }
  g_byte_array_append (out, (const guint8 *)"", 1);
  return ktstr_kernel_config_text_hz ((const char *)out->data);
}

char *
ktstr_vmlinux_find (const char *explicit_path, const char *image, const char *tree, GError **error)
{
  if (explicit_path == NULL || *explicit_path == '\0')
    explicit_path = g_getenv ("KTSTR_VMLINUX");
  if (explicit_path != NULL && *explicit_path != '\0')
    return g_strdup (explicit_path);
  KtstrImageProbe probe;
  if (image != NULL && ktstr_image_probe_file (image, &probe) == 0 && probe.kind == KTSTR_IMAGE_ELF)
    return g_strdup (image);
  g_autoptr (GPtrArray) tried = g_ptr_array_new_with_free_func (g_free);
  if (tree != NULL)
    g_ptr_array_add (tried, g_build_filename (tree, "vmlinux", NULL));
  if (image != NULL)
    {
      g_autofree char *dir = g_path_get_dirname (image);
      g_ptr_array_add (tried, g_build_filename (dir, "vmlinux", NULL));
    }
  for (guint i = 0; i < tried->len; i++)
    if (g_file_test (tried->pdata[i], G_FILE_TEST_IS_REGULAR))
      return g_strdup (tried->pdata[i]);
  g_ptr_array_add (tried, NULL);
  g_autofree char *list = g_strjoinv (", ", (char **)tried->pdata);
  g_set_error (error, KTSTR_VMLINUX_ERROR, KTSTR_VMLINUX_ERROR_NOT_FOUND,
               "no vmlinux for this kernel (looked for %s; give one with --vmlinux or "
               "$KTSTR_VMLINUX)",
               *list ? list : "nothing: no image");
  return NULL;
}
