"""Only the providers django-observability uses, and nothing else: what a preview costs before any resource."""
import os

import pulumi_kubernetes as k8s

k8s.Provider("kubernetes", render_yaml_to_directory=os.environ["DJANGO_OBSERVABILITY_RENDER_DIR"])
