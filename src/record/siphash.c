/* SipHash-c-d (Aumasson & Bernstein), 64-bit output. */
#include "config.h"

#include "record/siphash.h"

#define ROTL(x, b) (guint64) (((x) << (b)) | ((x) >> (64 - (b))))

static inline void
sip_round (KtstrSipHash *s)
{
  s->v0 += s->v1;
  s->v1 = ROTL (s->v1, 13);
  s->v1 ^= s->v0;
  s->v0 = ROTL (s->v0, 32);
  s->v2 += s->v3;
  s->v3 = ROTL (s->v3, 16);
  s->v3 ^= s->v2;
  s->v0 += s->v3;
  s->v3 = ROTL (s->v3, 21);
  s->v3 ^= s->v0;
  s->v2 += s->v1;
  s->v1 = ROTL (s->v1, 17);
  s->v1 ^= s->v2;
  s->v2 = ROTL (s->v2, 32);
}

static inline void
compress (KtstrSipHash *s, guint64 m)
{
  s->v3 ^= m;
  for (guint i = 0; i < s->c_rounds; i++)
    sip_round (s);
  s->v0 ^= m;
}

void
ktstr_siphash_init (KtstrSipHash *state, guint c_rounds, guint d_rounds, guint64 k0, guint64 k1)
{
  state->v0 = k0 ^ G_GUINT64_CONSTANT (0x736f6d6570736575);
  state->v1 = k1 ^ G_GUINT64_CONSTANT (0x646f72616e646f6d);
  state->v2 = k0 ^ G_GUINT64_CONSTANT (0x6c7967656e657261);
  state->v3 = k1 ^ G_GUINT64_CONSTANT (0x7465646279746573);
  state->tail = 0;
  state->ntail = 0;
  state->length = 0;
  state->c_rounds = c_rounds;
  state->d_rounds = d_rounds;
}

void
ktstr_siphash_write (KtstrSipHash *state, const void *data, gsize len)
{
  const guint8 *p = data;

  state->length += len;
  /* Top up the pending word first. */
  while (len > 0 && state->ntail > 0)
    {
      state->tail |= (guint64)*p++ << (8 * state->ntail);
      len--;
      if (++state->ntail == 8)
        {
          compress (state, state->tail);
          state->tail = 0;
          state->ntail = 0;
        }
    }
  while (len >= 8)
    {
      guint64 m = 0;
      for (guint i = 0; i < 8; i++)
        m |= (guint64)p[i] << (8 * i);
      compress (state, m);
      p += 8;
      len -= 8;
    }
  while (len > 0)
    {
      state->tail |= (guint64)*p++ << (8 * state->ntail);
      state->ntail++;
      len--;
    }
}

void
ktstr_siphash_write_byte (KtstrSipHash *state, guint8 byte)
{
  ktstr_siphash_write (state, &byte, 1);
}

guint64
ktstr_siphash_finish (const KtstrSipHash *state)
{
  KtstrSipHash s = *state;
  guint64 b = ((s.length & 0xff) << 56) | s.tail;

  compress (&s, b);
  s.v2 ^= 0xff;
  for (guint i = 0; i < s.d_rounds; i++)
    sip_round (&s);
  return s.v0 ^ s.v1 ^ s.v2 ^ s.v3;
}

guint64
ktstr_siphash (guint c_rounds, guint d_rounds, guint64 k0, guint64 k1, const void *data, gsize len)
{
  KtstrSipHash s;
  ktstr_siphash_init (&s, c_rounds, d_rounds, k0, k1);
  ktstr_siphash_write (&s, data, len);
  return ktstr_siphash_finish (&s);
}
