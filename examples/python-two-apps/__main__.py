"""Two Django apps and one Alertmanager cluster, as a platform team's own Pulumi program writes them."""
import pulumi

from django_observability import AlertmanagerCluster, DjangoApp

config = pulumi.Config()
alerts = AlertmanagerCluster("shop-alerts", {
    "replicas": 3,
    "routing": {"route": {"receiver": "slack"},
                "receivers": [{"name": "slack", "slack_configs": [{"api_url_secret": "slackWebhookUrl",
                                                                   "channel": "#shop-alerts"}]}]},
    "credentials": {"slackWebhookUrl": config.require_secret("slackWebhookUrl")},
})
shop = DjangoApp("shop", {"image": config.require("shopImage"), "namespace": "shop", "web_concurrency": 4,
                          "replicas": 2, "service_monitor_labels": {"release": "kube-prometheus-stack"}})
checkout = DjangoApp("checkout", {"image": config.require("checkoutImage"), "namespace": "checkout",
                                  "slos": [{"name": "availability", "objective": 99.9}],
                                  "service_monitor_labels": {"release": "kube-prometheus-stack"}})

pulumi.export("scrapeTargets", {"shop": shop.scrape_targets, "checkout": checkout.scrape_targets})
pulumi.export("prometheusAlerting", alerts.prometheus_alerting)
