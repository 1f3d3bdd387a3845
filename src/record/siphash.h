/* SipHash with a configurable number of compression (c) and finalization
 * (d) rounds and a 128-bit key given as two little-endian 64-bit halves.
 * SipHash-1-3 with keys (0,0) names sidecar files (doc/sidecar-schema.md),
 * as the Rust ktstr names them (doc/compatibility.md); SipHash-2-4 is the
 * reference variant whose published test vectors verify the core.
 *
 * Streaming: feeding bytes in several pieces gives the same result as one
 * piece: there is no length framing between writes, which the file-name
 * hash relies on to match the Rust ktstr's. */
#ifndef KTSTR_SIPHASH_H
#define KTSTR_SIPHASH_H

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  guint64 v0, v1, v2, v3;
  guint64 tail;   /* pending bytes, little-endian */
  guint ntail;    /* number of pending bytes (0..7) */
  guint64 length; /* total bytes written */
  guint c_rounds;
  guint d_rounds;
} KtstrSipHash;

void ktstr_siphash_init (KtstrSipHash *state, guint c_rounds, guint d_rounds, guint64 k0,
                         guint64 k1);
void ktstr_siphash_write (KtstrSipHash *state, const void *data, gsize len);
void ktstr_siphash_write_byte (KtstrSipHash *state, guint8 byte);
guint64 ktstr_siphash_finish (const KtstrSipHash *state);

/* One-shot helper. */
guint64 ktstr_siphash (guint c_rounds, guint d_rounds, guint64 k0, guint64 k1, const void *data,
                       gsize len);

G_END_DECLS

#endif
