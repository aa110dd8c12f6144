/*
 * dns_cmd: `appsim dns serve` (an authoritative server or a resolver) and
 * `appsim dns query` (one question, printed like dig), the DNS
 * applications of protocols/dns on real sockets.
 */
#ifndef APPSIM_DNS_CMD_H
#define APPSIM_DNS_CMD_H

/* argv[0] is "dns". Returns the exit status (0, 1 failure, 2 usage). */
int cmd_dns(int argc, char **argv);

#endif
