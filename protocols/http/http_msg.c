/* http_msg: placeholder until the implementation lands. */
#include "http_msg.h"
