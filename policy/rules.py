"""The policy pack's checks as plain functions of raw (camelCase) Kubernetes properties, tested directly."""

WORKLOAD_TYPES = {"kubernetes:apps/v1:Deployment", "kubernetes:apps/v1:StatefulSet", "kubernetes:apps/v1:DaemonSet"}
SERVICE_MONITOR = "kubernetes:monitoring.coreos.com/v1:ServiceMonitor"
SERVICE = "kubernetes:core/v1:Service"
ALERTMANAGER = "kubernetes:monitoring.coreos.com/v1:Alertmanager"


def _containers(props: dict) -> list[dict]:
    spec = (props.get("spec") or {}).get("template", {}).get("spec", {})
    return list(spec.get("containers") or []) + list(spec.get("initContainers") or [])


def _namespace(props: dict) -> str | None:
    return (props.get("metadata") or {}).get("namespace")


def _selects(selector: dict, labels: dict) -> bool:
    return bool(selector) and all(labels.get(key) == value for key, value in selector.items())


def service_monitor_port_problems(resources: list[tuple[str, dict]]) -> list[str]:
    """Each ServiceMonitor endpoint names a port of a Service it selects, and that port's targetPort names a
    container port of the pods the Service selects."""
    problems = []
    services = [props for typ, props in resources if typ == SERVICE]
    workloads = [props for typ, props in resources if typ in WORKLOAD_TYPES]
    for typ, monitor in resources:
        if typ != SERVICE_MONITOR:
            continue
        name = monitor["metadata"]["name"]
        selector = monitor["spec"].get("selector", {}).get("matchLabels", {})
        namespaces = monitor["spec"].get("namespaceSelector", {}).get("matchNames") or [_namespace(monitor)]
        selected = [service for service in services if _namespace(service) in namespaces
                    and _selects(selector, service["metadata"].get("labels") or {})]
        if not selected:
            problems.append(f"ServiceMonitor {name} selects no Service with labels {selector}")
            continue
        for service in selected:
            ports = {port.get("name"): port for port in service["spec"].get("ports", [])}
            pods = [workload for workload in workloads if _namespace(workload) == _namespace(service)
                    and _selects(service["spec"].get("selector", {}),
                                 workload["spec"]["template"]["metadata"].get("labels") or {})]
            container_ports = {port.get("name") for workload in pods for container in _containers(workload)
                               for port in container.get("ports", [])}
            for endpoint in monitor["spec"].get("endpoints", []):
                port = ports.get(endpoint.get("port"))
                if port is None:
                    problems.append(f"ServiceMonitor {name} endpoint port {endpoint.get('port')!r} is not a port of "
                                    f"Service {service['metadata']['name']} ({sorted(ports)})")
                elif isinstance(port.get("targetPort"), str) and port["targetPort"] not in container_ports:
                    problems.append(f"Service {service['metadata']['name']} port {port['name']} targets "
                                    f"{port['targetPort']!r}, which no selected container names")
    return problems


def alertmanager_replica_problems(props: dict, minimum: int = 3) -> list[str]:
    replicas = int((props.get("spec") or {}).get("replicas") or 1)  # the engine hands numbers over as floats
    if replicas < minimum:
        return [f"Alertmanager {props['metadata']['name']} runs {replicas} replica(s); prod needs at least {minimum}"]
    return []


def container_limit_problems(props: dict) -> list[str]:
    problems = []
    for container in _containers(props):
        limits = (container.get("resources") or {}).get("limits") or {}
        missing = [resource for resource in ("cpu", "memory") if resource not in limits]
        if missing:
            problems.append(f"container {container.get('name')} has no {' or '.join(missing)} limit")
    return problems


def hard_spread_problems(props: dict) -> list[str]:
    """A replicated workload spreads over nodes hard: DoNotSchedule, maxSkew 1, on kubernetes.io/hostname."""
    spec = (props.get("spec") or {}).get("template", {}).get("spec", {})
    hard = [constraint for constraint in spec.get("topologySpreadConstraints") or []
            if constraint.get("topologyKey") == "kubernetes.io/hostname"
            and constraint.get("whenUnsatisfiable") == "DoNotSchedule" and int(constraint.get("maxSkew", 0)) == 1]
    if int((props.get("spec") or {}).get("replicas") or 1) > 1 and not hard:
        return [f"{props.get('kind', 'workload')} {props['metadata']['name']} does not spread its replicas hard over "
                "nodes: prod needs a DoNotSchedule, maxSkew 1 topology spread on kubernetes.io/hostname (spread.hostname: hard)"]
    return []


def latest_tag_problems(props: dict) -> list[str]:
    problems = []
    for container in _containers(props):
        image = container.get("image", "")
        name_and_tag = image.split("@", 1)[0]
        tag = name_and_tag.rsplit(":", 1)[1] if ":" in name_and_tag.rsplit("/", 1)[-1] else None
        if "@" not in image and tag in (None, "latest"):
            problems.append(f"container {container.get('name')} runs {image!r}: pin a tag other than latest, or a digest")
    return problems
