"""django-observability's CrossGuard policy pack. Every policy is mandatory; the prod-only ones are disabled for
other stacks by policy/config/<stack>.json (`make preview` passes it)."""
from pulumi_policy import (EnforcementLevel, PolicyPack, ReportViolation, ResourceValidationArgs,
                           ResourceValidationPolicy, StackValidationArgs, StackValidationPolicy)

import rules


def _report(problems: list[str], report_violation: ReportViolation, urn: str | None = None) -> None:
    for problem in problems:
        report_violation(problem, urn)


def _service_monitor_ports(args: StackValidationArgs, report_violation: ReportViolation) -> None:
    _report(rules.service_monitor_port_problems([(r.resource_type, r.props) for r in args.resources]), report_violation)


def _when(types: set[str], check):
    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if args.resource_type in types:
            _report(check(args.props), report_violation)
    return validate


PolicyPack(
    name="django-observability",
    enforcement_level=EnforcementLevel.MANDATORY,
    policies=[
        StackValidationPolicy(
            name="servicemonitor-ports-exist",
            description="ServiceMonitor endpoint ports exist on the selected Service and map to container ports.",
            validate=_service_monitor_ports),
        ResourceValidationPolicy(
            name="container-limits",
            description="Every container has CPU and memory limits.",
            validate=_when(rules.WORKLOAD_TYPES, rules.container_limit_problems)),
        ResourceValidationPolicy(
            name="prod-alertmanager-replicas",
            description="prod runs an Alertmanager of at least 3 replicas.",
            validate=_when({rules.ALERTMANAGER}, rules.alertmanager_replica_problems)),
        ResourceValidationPolicy(
            name="prod-hard-spread",
            description="prod spreads a replicated workload hard over nodes (DoNotSchedule, maxSkew 1).",
            validate=_when(rules.WORKLOAD_TYPES, rules.hard_spread_problems)),
        ResourceValidationPolicy(
            name="prod-no-latest-tags",
            description="prod runs no image tagged latest (or untagged).",
            validate=_when(rules.WORKLOAD_TYPES, rules.latest_tag_problems)),
    ],
)
