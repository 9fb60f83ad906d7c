// What counts as "this machine": 127.0.0.0/8, ::1 (also IPv4-mapped, ::ffff:127.x) and the name localhost.
// The local issuer hands out the owner's token, so it listens and answers here only.
import { BlockList, isIP } from 'node:net';

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');

/** An IP address (as a socket reports it) on the loopback interface. */
export function isLoopbackAddress(address: string | undefined): boolean {
  if (address === undefined) return false;
  const family = isIP(address);
  return family !== 0 && LOOPBACK.check(address, family === 6 ? 'ipv6' : 'ipv4');
}

/** A HOST to listen on, or a Host header's name: a loopback address or localhost (brackets allowed). */
export function isLoopbackHost(host: string): boolean {
  const name = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  return name === 'localhost' || isLoopbackAddress(name);
}
