/* A tiny JSON writer for the guest->host messages of common/proto.h: one
 * object per line, integers only, strings escaped so that any byte string
 * (kernel messages, paths, invalid UTF-8) still yields valid JSON. */
#ifndef KTSTR_GUEST_JSON_H
#define KTSTR_GUEST_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define KTSTR_JSON_MAX_DEPTH 8

typedef struct
{
  char *buf;
  size_t len;
  size_t cap;
  bool failed; /* an allocation failed: the line is unusable */
  unsigned depth;
  bool need_comma[KTSTR_JSON_MAX_DEPTH];
} KtstrJson;

void ktstr_json_init (KtstrJson *j);
void ktstr_json_clear (KtstrJson *j);

/* Starts a message object: {"t":"TYPE" */
void ktstr_json_begin (KtstrJson *j, const char *type);
/* Ends the object and appends the '\n' that frames it. */
void ktstr_json_end (KtstrJson *j);

/* Members of the current object (key != NULL) or elements of the current
 * array (key == NULL). */
void ktstr_json_str (KtstrJson *j, const char *key, const char *value); /* NULL: null */
void ktstr_json_u64 (KtstrJson *j, const char *key, uint64_t value);
void ktstr_json_i64 (KtstrJson *j, const char *key, int64_t value);
void ktstr_json_bool (KtstrJson *j, const char *key, bool value);
void ktstr_json_null (KtstrJson *j, const char *key);
void ktstr_json_array_open (KtstrJson *j, const char *key);
void ktstr_json_array_close (KtstrJson *j);
/* A nested object, e.g. "numa_pages":{"0":12}; its members take keys. */
void ktstr_json_object_open (KtstrJson *j, const char *key);
void ktstr_json_object_close (KtstrJson *j);

/* Appends S as a JSON string literal (with quotes) to j: '"', '\\' and
 * control characters escaped, invalid UTF-8 replaced by U+FFFD. */
void ktstr_json_append_escaped (KtstrJson *j, const char *s);

#endif
