/* A small reader of BTF, the kernel's compact type information (the .BTF
 * section of a vmlinux built with CONFIG_DEBUG_INFO_BTF, the format of
 * Documentation/bpf/btf.rst).  The monitor needs only a little of it: the
 * byte offset and size of a member of a kernel struct, reached through a
 * dotted path ("scx.local_dsq.nr" in struct rq) that may pass through
 * anonymous structs and unions, and the value of an enumerator.  Reading
 * that directly keeps libbpf off the host's dependency list.
 *
 * The data is copied; the reader validates every type record against the
 * section bounds once, so later lookups cannot read outside it. */
#ifndef KTSTR_MONITOR_BTF_H
#define KTSTR_MONITOR_BTF_H

#include <glib.h>

G_BEGIN_DECLS

#define KTSTR_BTF_ERROR (ktstr_btf_error_quark ())
GQuark ktstr_btf_error_quark (void);

typedef enum
{
  KTSTR_BTF_ERROR_INVALID,   /* not BTF, or a record runs past the data */
  KTSTR_BTF_ERROR_NOT_FOUND, /* no such struct, member or enumerator */
  KTSTR_BTF_ERROR_BITFIELD,  /* the member is a bitfield: no byte offset */
} KtstrBtfError;

typedef struct _KtstrBtf KtstrBtf;

KtstrBtf *ktstr_btf_new (const guint8 *data, gsize size, GError **error);
void ktstr_btf_free (KtstrBtf *btf);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrBtf, ktstr_btf_free)

/* Number of types (ids 1..n). */
guint ktstr_btf_n_types (const KtstrBtf *btf);

/* The byte offset of member PATH (dot-separated names) inside struct or
 * union TYPE_NAME, and the size of that member in bytes.  Named members
 * of anonymous structs and unions are found as if they were direct ones,
 * as C does. */
gboolean ktstr_btf_member (const KtstrBtf *btf, const char *type_name, const char *path,
                           guint *offset, guint *size, GError **error);

/* Size of struct or union TYPE_NAME. */
gboolean ktstr_btf_struct_size (const KtstrBtf *btf, const char *type_name, guint *size,
                                GError **error);

/* Value of enumerator NAME of enum ENUM_NAME. */
gboolean ktstr_btf_enum_value (const KtstrBtf *btf, const char *enum_name, const char *name,
                               gint64 *value, GError **error);

G_END_DECLS

#endif
