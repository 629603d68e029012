# netsleuth blocklist export (AWS WAFv2, Terraform)
resource "aws_wafv2_ip_set" "netsleuth_v4" {
  name               = "netsleuth-blocked-v4"
  description        = "netsleuth blocklist IPv4"
  scope              = "REGIONAL"
  ip_address_version = "IPV4"
  addresses          = ["192.0.2.0/24", "198.51.100.7/32"]
  tags = {
    source = "netsleuth"
  }
}

resource "aws_wafv2_ip_set" "netsleuth_v6" {
  name               = "netsleuth-blocked-v6"
  description        = "netsleuth blocklist IPv6"
  scope              = "REGIONAL"
  ip_address_version = "IPV6"
  addresses          = ["2001:db8::/32"]
  tags = {
    source = "netsleuth"
  }
}

resource "aws_wafv2_rule_group" "netsleuth" {
  name     = "netsleuth-blocklist"
  scope    = "REGIONAL"
  capacity = 10

  rule {
    name     = "netsleuth-block-v4"
    priority = 0
    action {
      block {}
    }
    statement {
      ip_set_reference_statement {
        arn = aws_wafv2_ip_set.netsleuth_v4.arn
      }
    }
    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "netsleuth-block-v4"
      sampled_requests_enabled   = true
    }
  }

  rule {
    name     = "netsleuth-block-v6"
    priority = 1
    action {
      block {}
    }
    statement {
      ip_set_reference_statement {
        arn = aws_wafv2_ip_set.netsleuth_v9.arn
      }
    }
    visibility_config {
      cloudwatch_metrics_enabled = true
      metric_name                = "netsleuth-block-v6"
      sampled_requests_enabled   = true
    }
  }

  visibility_config {
    cloudwatch_metrics_enabled = true
    metric_name                = "netsleuth-blocklist"
    sampled_requests_enabled   = true
  }
}
