"""A real control plane for tests: etcd, kube-apiserver and kube-controller-manager.

The binaries are built from Go modules by ``hack/realapi.sh`` and cached outside the
checkout (``${TEKPY_REALAPI_CACHE:-~/.cache/tekpy/realapi}/<k8s-version>/bin``). This module
starts them on loopback with generated credentials and hands back the same handle shape as
``tekpy.local.apiserver.EmbeddedApiServer``, so fixtures can parametrise over both servers.

Entry points (for ``tekpy.testing.plugin`` and anyone else)::

    from tekpy.testing.realapi import RealApiServer, RealApiUnavailable, ensure_binaries

    try:
        binaries = ensure_binaries()      # fast: never builds unless TEKPY_REALAPI_BUILD=1
    except RealApiUnavailable as exc:
        pytest.skip(exc.reason)
    srv = RealApiServer(binaries)         # or RealApiServer() to call ensure_binaries itself
    await srv.start()                     # etcd + kube-apiserver (+ controller manager), /readyz
    srv.url, srv.token, srv.ca_file, srv.kubeconfig_path
    srv.hooks                             # FaultHooks of the fault proxy (None if turned off)
    await srv.restart()                   # all but etcd, which keeps the data
    await srv.compact()                   # older resourceVersions -> 410 Expired
    async with srv.unreachable(): ...     # connections refused inside the block
    await srv.stop()                      # kills every process group, removes the temp dir

``RealApiServer`` is also an async context manager. Starting takes a few seconds, so
fixtures should share one server per session or module and give each test its own
namespace. The token belongs to group ``system:masters`` (authorization is RBAC, which lets
that group do everything). Admission keeps kube-apiserver's defaults except the plugins
that rewrite Pods and Nodes without a kubelet or a service-account controller to match
(``DISABLED_ADMISSION_PLUGINS``). The controller manager runs only the garbage collector,
the namespace controller and the ServiceAccount controller (``CONTROLLERS``); its garbage
collector notices kinds of new CRDs within about 30 seconds (its discovery resync period).

Modules: ``binaries`` (finding or building them), ``credentials`` (certificates, kubeconfigs),
``server`` (the processes and their lifecycle), ``faultproxy`` (the HTTPS proxy with hooks,
on by default), ``expiry`` (what the proxy answers for compacted resourceVersions).
"""

from tekpy.testing.realapi.binaries import (
    DEFAULT_K8S_VERSION,
    RealApiBinaries,
    RealApiUnavailable,
    ensure_binaries,
)
from tekpy.testing.realapi.server import CONTROLLERS, DISABLED_ADMISSION_PLUGINS, RealApiServer

__all__ = [
    "CONTROLLERS",
    "DEFAULT_K8S_VERSION",
    "DISABLED_ADMISSION_PLUGINS",
    "RealApiBinaries",
    "RealApiServer",
    "RealApiUnavailable",
    "ensure_binaries",
]
