/* SPDX-License-Identifier: MIT */
#pragma once
/* A stateful fake scsi drive behind the command transport (tests only). To be written. */
#include "fake-medium.h"
