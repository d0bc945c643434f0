/*
 * listen: a listening TCP socket for "host:port" (the [lmtp] and
 * [metrics] listen syntax): an IPv4 address, a name, "[IPv6]", or an
 * empty host for every address.
 */
#ifndef LISTEN_H
#define LISTEN_H

/*
 * A non-blocking, close-on-exec socket bound to spec and listening, or
 * -1 and *cause (g_free) with what went wrong: the resolver's or the
 * kernel's words, without spec.
 */
int	 listen_tcp(const char *spec, char **cause);
/* The same, bound but not yet listening: connects are refused till then. */
int	 listen_bind_tcp(const char *spec, char **cause);

#endif
