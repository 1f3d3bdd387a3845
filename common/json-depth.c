/* The JSON nesting guard: see json-depth.h. */
#include "config.h"

#include "common/json-depth.h"

bool
ktstr_json_too_deep (const char *data, size_t len, unsigned max_depth, size_t *offset)
{
  unsigned depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < len; i++)
    {
      char c = data[i];
      if (in_string)
        {
          if (c == '\\')
            i++; /* the escaped character cannot end the string */
          else if (c == '"')
            in_string = false;
          continue;
        }
      if (c == '"')
        in_string = true;
      else if (c == '[' || c == '{')
        {
          if (++depth > max_depth)
            {
              if (offset != NULL)
                *offset = i;
              return true;
            }
        }
      else if ((c == ']' || c == '}') && depth > 0)
        depth--;
    }
  return false;
}
