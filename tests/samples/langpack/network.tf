locals {
  nat_gateway_count = var.single_nat_gateway ? 1 : length(var.azs)
}

# The NAT gateways' addresses, unless the caller brings its own.
resource "aws_eip" "nat" {
  count  = var.reuse_nat_ips ? 0 : local.nat_gateway_count
  domain = "vpc"
}

variable "single_nat_gateway" {
  description = "One NAT gateway for all private subnets"
  type        = bool
  default     = false
}

data "aws_availability_zones" "available" {}

module "vpc" {
  source = "../"
  azs    = data.aws_availability_zones.available.names
}

output "nat_public_ips" {
  value = aws_eip.nat[*].public_ip
}
