/* SPDX-License-Identifier: MIT */
#include "fake-ata.h"
