/* Plain aligned text tables, for every table ktstr and ktstr-stats print
 * (ktstr-stats' reports, `ktstr kernel list`).
 *
 * Plain columns rather than box drawing (the Rust ktstr draws boxes,
 * doc/compatibility.md): easy to read, to diff and to parse with awk:
 *
 *   RUN           TESTS  DATE                  ARCH
 *   ------------  -----  --------------------  ------
 *   6.14-abc1234      3  2026-01-10T08:00:00Z  x86_64
 *
 * a header line, a line of dashes as wide as each column, then one line per
 * row.  Columns are separated by two spaces; numeric columns are right
 * aligned; nothing trails the last column.  Widths count UTF-8 characters,
 * so "µs" is two columns wide.  Colour, when asked for, wraps a cell's text
 * in SGR codes after the padding is computed, so alignment is unchanged. */
#ifndef KTSTR_TABLE_H
#define KTSTR_TABLE_H

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  KTSTR_ALIGN_LEFT,
  KTSTR_ALIGN_RIGHT,
} KtstrAlign;

typedef enum
{
  KTSTR_COLOR_NONE,
  KTSTR_COLOR_RED,
  KTSTR_COLOR_GREEN,
} KtstrColor;

typedef struct _KtstrTable KtstrTable;

/* HEADERS and ALIGN have N_COLUMNS entries; HEADERS are copied. */
KtstrTable *ktstr_table_new (guint n_columns, const char *const *headers, const KtstrAlign *align);
void ktstr_table_free (KtstrTable *table);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (KtstrTable, ktstr_table_free)

/* Appends a row of N_COLUMNS cells (copied); NULL prints as empty. */
void ktstr_table_add_row (KtstrTable *table, const char *const *cells);
/* Colours one cell of the last row added. */
void ktstr_table_set_last_row_color (KtstrTable *table, guint column, KtstrColor color);
guint ktstr_table_n_rows (KtstrTable *table);

void ktstr_table_render (KtstrTable *table, GString *out, gboolean use_color);

G_END_DECLS

#endif
