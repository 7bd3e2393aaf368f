// Package shim exposes kreuzwerker's SDKv2 provider, which lives in an internal package: Go admits the import only
// from a package path under the provider's own module path, which is why this module is named as it is.
package shim

import (
	"github.com/hashicorp/terraform-plugin-sdk/v2/helper/schema"
	"github.com/terraform-providers/terraform-provider-docker/internal/provider"
)

// NewProvider returns the Terraform provider with its SDKv2 resources (docker_service, docker_config, …).
func NewProvider() *schema.Provider { return provider.New("dev")() }
