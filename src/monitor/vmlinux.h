/* The kernel's own ELF image (vmlinux): where the host monitor learns the
 * addresses of the kernel's variables (the ELF symbol table), the layout
 * of its structures (the .BTF section, see btf.h) and its tick rate (the
 * configuration embedded with CONFIG_IKCONFIG).
 *
 * The file is mapped read-only; lookups never copy it.  Only 64-bit
 * little-endian x86-64 images are accepted: that is what ktstr boots.
 *
 * ktstr_vmlinux_find says where a kernel's vmlinux is, when it is known
 * at all: given outright (--vmlinux or $KTSTR_VMLINUX), the booted image
 * itself when it is a vmlinux, the build tree's, or one beside the image
 * (a kernel cache entry or a directory holding bzImage and vmlinux). */
#ifndef KTSTR_MONITOR_VMLINUX_H
#define KTSTR_MONITOR_VMLINUX_H

#include <glib.h>

G_BEGIN_DECLS

#define KTSTR_VMLINUX_ERROR (ktstr_vmlinux_error_quark ())
GQuark ktstr_vmlinux_error_quark (void);

typedef enum
{
  KTSTR_VMLINUX_ERROR_IO,         /* cannot open or map the file */
  KTSTR_VMLINUX_ERROR_NOT_ELF,    /* not a 64-bit little-endian x86-64 ELF */
  KTSTR_VMLINUX_ERROR_NO_SYMBOLS, /* no .symtab (a stripped image) */
  KTSTR_VMLINUX_ERROR_NO_BTF,     /* no .BTF section (no CONFIG_DEBUG_INFO_BTF) */
  KTSTR_VMLINUX_ERROR_MISSING,    /* a symbol or section the caller needs is absent */
  KTSTR_VMLINUX_ERROR_NOT_FOUND,  /* ktstr_vmlinux_find: no vmlinux for the kernel */
} KtstrVmlinuxError;

typedef struct _KtstrVmlinux KtstrVmlinux;

/* Maps PATH and indexes its symbols.  Fails on anything but an x86-64
 * ELF with a symbol table. */
KtstrVmlinux *ktstr_vmlinux_open (const char *path, GError **error);
void ktstr_vmlinux_free (KtstrVmlinux *vmlinux);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrVmlinux, ktstr_vmlinux_free)

const char *ktstr_vmlinux_get_path (const KtstrVmlinux *vmlinux);

/* The value (address) of symbol NAME; FALSE when there is none. */
gboolean ktstr_vmlinux_symbol (const KtstrVmlinux *vmlinux, const char *name, guint64 *addr);

/* The contents of section NAME (e.g. ".BTF"), NULL when absent. */
const guint8 *ktstr_vmlinux_section (const KtstrVmlinux *vmlinux, const char *name, gsize *size);

/* LEN bytes of the loaded image at virtual address ADDR, as the file holds
 * them (initialised data only), or NULL. */
const guint8 *ktstr_vmlinux_bytes_at (const KtstrVmlinux *vmlinux, guint64 addr, gsize len);

/* CONFIG_HZ from the embedded configuration; 0 without CONFIG_IKCONFIG. */
guint ktstr_vmlinux_config_hz (const KtstrVmlinux *vmlinux);

/* CONFIG_HZ=N in the text of a kernel .config; 0 when absent. */
guint ktstr_kernel_config_text_hz (const char *config);

/* CONFIG_HZ of the kernel IMAGE from a configuration kept beside it: the
 * build TREE's .config, a "config" in the image's directory (a kernel
 * cache entry), or /boot's config-VERSION for vmlinuz-VERSION; 0 when
 * none says. */
guint ktstr_kernel_image_hz (const char *image, const char *tree);

/* Where the vmlinux of a kernel is, or NULL with ERROR
 * (KTSTR_VMLINUX_ERROR_NOT_FOUND) saying where it was looked for.  EXPLICIT: --vmlinux, else
 * $KTSTR_VMLINUX; IMAGE: the image ktstr boots; TREE: its build tree or
 * NULL.  Only existence is checked here. */
char *ktstr_vmlinux_find (const char *explicit_path, const char *image, const char *tree,
                          GError **error);

G_END_DECLS

#endif
