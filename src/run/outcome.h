/* How a test went: the one word every output says (the summary, the
 * sidecar, TAP, JUnit).  A header of its own so that the verdict, which
 * decides it, and the runner, which reports it, need not include each
 * other. */
#ifndef KTSTR_OUTCOME_H
#define KTSTR_OUTCOME_H

#include <glib.h>

G_BEGIN_DECLS

typedef enum
{
  KTSTR_OUTCOME_PASS,
  KTSTR_OUTCOME_FAIL,
  KTSTR_OUTCOME_SKIP,
} KtstrOutcome;

G_END_DECLS

#endif
