/* SPDX-License-Identifier: MIT */
#include "fake-scsi.h"
