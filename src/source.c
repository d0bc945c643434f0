/*
 * source: the registry of long-running mail sources, in start order.
 */
#include "source.h"

const struct source_ops *source_backends[] = {
	&source_lmtp_ops,
	&source_imap_ops,
	NULL,
};
