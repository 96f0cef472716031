/* SPDX-License-Identifier: MIT */
/* To be written. */
#include "purge.h"
