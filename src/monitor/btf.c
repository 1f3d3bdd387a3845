/* A small BTF reader: see btf.h. */
#include "config.h"

#include "monitor/btf.h"

#include <string.h>

GQuark
ktstr_btf_error_quark (void)
{
  return g_quark_from_static_string ("ktstr-btf-error-quark");
}

#define BTF_MAGIC 0xeB9F
#define MAX_CHAIN 32 /* typedef/modifier chains are a few links long */

enum
{
  KIND_INT = 1,
  KIND_PTR = 2,
  KIND_ARRAY = 3,
  KIND_STRUCT = 4,
  KIND_UNION = 5,
  KIND_ENUM = 6,
  KIND_FWD = 7,
  KIND_TYPEDEF = 8,
  KIND_VOLATILE = 9,
  KIND_CONST = 10,
  KIND_RESTRICT = 11,
  KIND_FUNC = 12,
  KIND_FUNC_PROTO = 13,
  KIND_VAR = 14,
  KIND_DATASEC = 15,
  KIND_FLOAT = 16,
  KIND_DECL_TAG = 17,
  KIND_TYPE_TAG = 18,
  KIND_ENUM64 = 19,
};

typedef struct
{
  guint32 name_off;
  guint32 info;
  guint32 size_or_type;
} BtfType;

typedef struct
{
  guint32 name_off;
  guint32 type;
  guint32 offset;
} BtfMember;

typedef struct
{
  guint32 type;
  guint32 index_type;
  guint32 nelems;
} BtfArray;

struct _KtstrBtf
{
  guint8 *data; /* the whole section, copied */
  const guint8 *types;
  gsize types_len;
  const char *strs;
  gsize strs_len;
  GArray *offsets;     /* guint32 per type id (index 0 unused) */
  GHashTable *by_name; /* "kind:name" -> type id, first definition */
};

static guint
kind_of (const BtfType *t)
{
  return (t->info >> 24) & 0x1f;
}

static guint
vlen_of (const BtfType *t)
{
  return t->info & 0xffff;
}

static gboolean
kind_flag (const BtfType *t)
{
  return (t->info >> 31) != 0;
}

static const char *
str_at (const KtstrBtf *b, guint32 off)
{
  return off < b->strs_len ? b->strs + off : "";
}

static const BtfType *
type_at (const KtstrBtf *b, guint32 id)
{
  if (id == 0 || id >= b->offsets->len)
    return NULL;
  return (const BtfType *)(b->types + g_array_index (b->offsets, guint32, id));
}

/* Bytes that follow the common record for type T. */
static gsize
extra_len (const BtfType *t)
{
  switch (kind_of (t))
    {
    case KIND_INT:
    case KIND_VAR:
    case KIND_DECL_TAG:
      return 4;
    case KIND_ARRAY:
      return sizeof (BtfArray);
    case KIND_STRUCT:
    case KIND_UNION:
      return (gsize)vlen_of (t) * sizeof (BtfMember);
    case KIND_ENUM:
    case KIND_FUNC_PROTO:
      return (gsize)vlen_of (t) * 8;
    case KIND_DATASEC:
    case KIND_ENUM64:
      return (gsize)vlen_of (t) * 12;
    default:
      return 0;
    }
}

static gboolean
invalid (GError **error, const char *what)
{
  g_set_error (error, KTSTR_BTF_ERROR, KTSTR_BTF_ERROR_INVALID, "BTF: %s", what);
  return FALSE;
}

static gboolean
index_types (KtstrBtf *b, GError **error)
{
  b->offsets = g_array_new (FALSE, TRUE, sizeof (guint32));
  g_array_set_size (b->offsets, 1);
  b->by_name = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  gsize off = 0;
  while (off < b->types_len)
    {
      if (b->types_len - off < sizeof (BtfType))
        return invalid (error, "a type record runs past the type section");
      const BtfType *t = (const BtfType *)(b->types + off);
      guint kind = kind_of (t);
      if (kind == 0 || kind > KIND_ENUM64)
        return invalid (error, "unknown type kind (a newer BTF than this reader knows)");
      gsize len = sizeof (BtfType) + extra_len (t);
      if (b->types_len - off < len)
        return invalid (error, "a type record runs past the type section");
      guint32 id = b->offsets->len;
      guint32 o = (guint32)off;
      g_array_append_val (b->offsets, o);
      if ((kind == KIND_STRUCT || kind == KIND_UNION || kind == KIND_ENUM || kind == KIND_ENUM64)
          && t->name_off != 0)
        {
          char *key
              = g_strdup_printf ("%c:%s", kind == KIND_STRUCT || kind == KIND_UNION ? 's' : 'e',
                                 str_at (b, t->name_off));
          if (!g_hash_table_contains (b->by_name, key))
            g_hash_table_insert (b->by_name, key, GUINT_TO_POINTER (id));
          else
            g_free (key);
        }
      off += len;
    }
  return TRUE;
}

KtstrBtf *
ktstr_btf_new (const guint8 *data, gsize size, GError **error)
{
  struct
  {
    guint16 magic;
    guint8 version, flags;
    guint32 hdr_len, type_off, type_len, str_off, str_len;
  } h;
  if (data == NULL || size < sizeof h)
    return invalid (error, "shorter than its header"), NULL;
  memcpy (&h, data, sizeof h);
  if (h.magic != BTF_MAGIC || h.version != 1)
    return invalid (error, "bad magic or version"), NULL;
  if (h.hdr_len < sizeof h || h.hdr_len > size
      || (guint64)h.type_off + h.type_len > size - h.hdr_len
      || (guint64)h.str_off + h.str_len > size - h.hdr_len || h.str_len == 0)
    return invalid (error, "sections outside the data"), NULL;
  g_autoptr (KtstrBtf) b = g_new0 (KtstrBtf, 1);
  b->data = g_memdup2 (data, size);
  b->types = b->data + h.hdr_len + h.type_off;
  b->types_len = h.type_len;
  b->strs = (const char *)b->data + h.hdr_len + h.str_off;
  b->strs_len = h.str_len;
  if (b->strs[b->strs_len - 1] != '\0')
    return invalid (error, "the string section is not terminated"), NULL;
  if (!index_types (b, error))
    return NULL;
  return g_steal_pointer (&b);
}

void
ktstr_btf_free (KtstrBtf *b)
{
  if (b == NULL)
    return;
  g_clear_pointer (&b->offsets, g_array_unref);
  g_clear_pointer (&b->by_name, g_hash_table_unref);
  g_free (b->data);
  g_free (b);
}

guint
ktstr_btf_n_types (const KtstrBtf *b)
{
  return b->offsets->len - 1;
}

/* Follows typedefs and qualifiers to the type that has a layout. */
static const BtfType *
resolve (const KtstrBtf *b, guint32 id, guint32 *id_out)
{
  for (int i = 0; i < MAX_CHAIN; i++)
    {
      const BtfType *t = type_at (b, id);
      if (t == NULL)
        return NULL;
      switch (kind_of (t))
        {
        case KIND_TYPEDEF:
        case KIND_VOLATILE:
        case KIND_CONST:
        case KIND_RESTRICT:
        case KIND_TYPE_TAG:
          id = t->size_or_type;
          continue;
        default:
          if (id_out != NULL)
            *id_out = id;
          return t;
        }
    }
  return NULL;
}

static gboolean
type_size (const KtstrBtf *b, guint32 id, guint64 *size, int depth)
{
  const BtfType *t = resolve (b, id, NULL);
  if (t == NULL || depth > MAX_CHAIN)
    return FALSE;
  switch (kind_of (t))
    {
    case KIND_INT:
    case KIND_STRUCT:
    case KIND_UNION:
    case KIND_ENUM:
    case KIND_ENUM64:
    case KIND_FLOAT:
      *size = t->size_or_type;
      return TRUE;
    case KIND_PTR:
      *size = 8;
      return TRUE;
    case KIND_ARRAY:
      {
        const BtfArray *a = (const BtfArray *)(t + 1);
        guint64 elem;
        if (!type_size (b, a->type, &elem, depth + 1))
          return FALSE;
        *size = elem * a->nelems;
        return TRUE;
      }
    default:
      return FALSE;
    }
}

static gboolean
is_composite (const BtfType *t)
{
  return t != NULL && (kind_of (t) == KIND_STRUCT || kind_of (t) == KIND_UNION);
}

/* Searches NAME among the members of composite T (and inside its
 * anonymous members); *BITS gets its bit offset from T's start. */
static gboolean
find_member (const KtstrBtf *b, const BtfType *t, const char *name, guint64 *bits, guint32 *type,
             guint *bitfield, int depth)
{
  if (depth > MAX_CHAIN)
    return FALSE;
  const BtfMember *m = (const BtfMember *)(t + 1);
  for (guint i = 0; i < vlen_of (t); i++)
    {
      guint64 off = kind_flag (t) ? (m[i].offset & 0xffffff) : m[i].offset;
      guint bf = kind_flag (t) ? (m[i].offset >> 24) : 0;
      if (m[i].name_off != 0)
        {
          if (strcmp (str_at (b, m[i].name_off), name) != 0)
            continue;
          *bits = off;
          *type = m[i].type;
          *bitfield = bf;
          return TRUE;
        }
      const BtfType *inner = resolve (b, m[i].type, NULL);
      guint64 inner_bits;
      if (is_composite (inner)
          && find_member (b, inner, name, &inner_bits, type, bitfield, depth + 1))
        {
          *bits = off + inner_bits;
          return TRUE;
        }
    }
  return FALSE;
}

static const BtfType *
lookup_composite (const KtstrBtf *b, const char *type_name, GError **error)
{
  g_autofree char *key = g_strdup_printf ("s:%s", type_name);
  gpointer id = g_hash_table_lookup (b->by_name, key);
  const BtfType *t = id ? type_at (b, GPOINTER_TO_UINT (id)) : NULL;
  if (t == NULL)
    g_set_error (error, KTSTR_BTF_ERROR, KTSTR_BTF_ERROR_NOT_FOUND,
                 "BTF has no struct or union '%s'", type_name);
  return t;
}

gboolean
ktstr_btf_member (const KtstrBtf *b, const char *type_name, const char *path, guint *offset,
                  guint *size, GError **error)
{
  const BtfType *t = lookup_composite (b, type_name, error);
  if (t == NULL)
    return FALSE;
  g_auto (GStrv) parts = g_strsplit (path, ".", -1);
  guint64 total_bits = 0;
  guint32 type = 0;
  guint bitfield = 0;
  for (guint i = 0; parts[i] != NULL; i++)
    {
      if (!is_composite (t))
        {
          g_set_error (error, KTSTR_BTF_ERROR, KTSTR_BTF_ERROR_NOT_FOUND,
                       "BTF: '%s' in %s.%s is not a struct or union", parts[i - 1], type_name,
                       path);
          return FALSE;
        }
      guint64 bits;
      if (!find_member (b, t, parts[i], &bits, &type, &bitfield, 0))
        {
          g_set_error (error, KTSTR_BTF_ERROR, KTSTR_BTF_ERROR_NOT_FOUND,
                       "BTF: struct %s has no member %s (looking for %s)", type_name, parts[i],
                       path);
          return FALSE;
        }
      total_bits += bits;
      t = resolve (b, type, NULL);
    }
  guint64 sz;
  if (bitfield != 0 || total_bits % 8 != 0 || !type_size (b, type, &sz, 0))
    {
      g_set_error (error, KTSTR_BTF_ERROR, KTSTR_BTF_ERROR_BITFIELD,
                   "BTF: %s.%s is a bitfield or has no size", type_name, path);
      return FALSE;
    }
  *offset = (guint)(total_bits / 8);
  *size = (guint)sz;
  return TRUE;
}

gboolean
ktstr_btf_struct_size (const KtstrBtf *b, const char *type_name, guint *size, GError **error)
{
  const BtfType *t = lookup_composite (b, type_name, error);
  if (t == NULL)
    return FALSE;
  *size = t->size_or_type;
  return TRUE;
}

gboolean
ktstr_btf_enum_value (const KtstrBtf *b, const char *enum_name, const char *name, gint64 *value,
                      GError **error)
{
  g_autofree char *key = g_strdup_printf ("e:%s", enum_name);
  gpointer id = g_hash_table_lookup (b->by_name, key);
  const BtfType *t = id ? type_at (b, GPOINTER_TO_UINT (id)) : NULL;
  for (guint i = 0; t != NULL && i < vlen_of (t); i++)
    {
      const guint8 *e = (const guint8 *)(t + 1) + (gsize)i * (kind_of (t) == KIND_ENUM ? 8 : 12);
      guint32 name_off, lo, hi = 0;
      memcpy (&name_off, e, 4);
      memcpy (&lo, e + 4, 4);
      if (kind_of (t) == KIND_ENUM64)
        memcpy (&hi, e + 8, 4);
      if (strcmp (str_at (b, name_off), name) != 0)
        continue;
      /* ENUM values are signed 32-bit unless kind_flag says unsigned. */
      if (kind_of (t) == KIND_ENUM)
        *value = kind_flag (t) ? (gint64)lo : (gint64)(gint32)lo;
      else
        *value = (gint64)(((guint64)hi << 32) | lo);
      return TRUE;
    }
  g_set_error (error, KTSTR_BTF_ERROR, KTSTR_BTF_ERROR_NOT_FOUND,
               "BTF has no enumerator %s in enum %s", name, enum_name);
  return FALSE;
}
