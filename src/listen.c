/*
 * listen: the TCP listening socket that both the LMTP listener and the
 * metrics endpoint bind, so that "host:port" means the same in both
 * sections of the configuration.
 */
#include <sys/socket.h>

#include <errno.h>
#include <netdb.h>
#include <string.h>
#include <unistd.h>

#include <glib.h>

#include "listen.h"

int
listen_bind_tcp(const char *spec, char **cause)
{
	const char		*colon = strrchr(spec, ':');
	char			*host = g_strndup(spec, colon - spec);
	struct addrinfo		 hints = { .ai_socktype = SOCK_STREAM,
				    .ai_flags = AI_PASSIVE | AI_NUMERICSERV };
	struct addrinfo		*res;
	int			 fd = -1, on = 1, rc;

	if (host[0] == '[' && host[strlen(host) - 1] == ']') {
		memmove(host, host + 1, strlen(host));
		host[strlen(host) - 1] = '\0';
	}
	if ((rc = getaddrinfo(*host ? host : NULL, colon + 1, &hints,
	    &res)) != 0) {
		*cause = g_strdup(gai_strerror(rc));
		g_free(host);
		return -1;
	}
	g_free(host);
	fd = socket(res->ai_family, res->ai_socktype | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &on, sizeof on) == -1 ||
	    bind(fd, res->ai_addr, res->ai_addrlen) == -1) {
		*cause = g_strdup(g_strerror(errno));
		if (fd != -1)
			close(fd);
		fd = -1;
	}
	freeaddrinfo(res);
	return fd;
}

int
listen_tcp(const char *spec, char **cause)
{
	int	 fd = listen_bind_tcp(spec, cause);

	if (fd != -1 && listen(fd, 128) == -1) {
		*cause = g_strdup(g_strerror(errno));
		close(fd);
		return -1;
	}
	return fd;
}
