/* SPDX-License-Identifier: MIT */
#include "fake-nvme.h"
