/* http_parser: placeholder until the implementation lands. */
#include "http_parser.h"
