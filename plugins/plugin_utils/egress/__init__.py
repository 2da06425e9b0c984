# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The SSRF egress filter (SEC-7): which network destinations the collection, and tasks it gates on the controller,
may reach.

``addresses`` holds the table of ranges nobody reaches unless the operator allowlists them (private, loopback,
link-local and the cloud metadata service, CGNAT, multicast, reserved, unspecified; IPv4 and IPv6, embedded IPv4
included) and reads host literals in every encoding a resolver accepts. ``client`` resolves a name once, checks
every address, pins the connection to them and re-checks every redirect; every outbound connection the runner makes
goes through it. ``rules`` judges the URLs a gated task will fetch. Imports only the foundation.
"""
