/* SPDX-License-Identifier: GPL-2.0 */
#include "../constats_shim.h"
