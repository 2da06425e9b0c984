# Copyright (c) 2026 praxis.gatekeeper contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""``praxis-gate``: the operator's console, one module per command group; ``main`` builds the parser and catches
GatekeeperError once. May import every runner package; nothing imports ``cli``.
"""
