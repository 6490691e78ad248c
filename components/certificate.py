"""The ALB's certificate: an existing ARN, or one requested and DNS-validated here.

When the stack requests the certificate, the Ingress is given the ARN from the
``CertificateValidation`` rather than from the certificate itself, so the ALB
listener is only configured once ACM reports the certificate ISSUED; a listener
pointed at a pending certificate fails and blocks the whole ALB group.
"""

from __future__ import annotations

from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from albingress.components.sections import CertificateSettings


@dataclass(frozen=True)
class AlbCertificateArgs:
    """The validated certificate settings, plus tags for anything created."""

    certificate: CertificateSettings
    tags: dict[str, str]
    provider: aws.Provider


class AlbCertificate(pulumi.ComponentResource):
    """Exposes ``certificate_arn``; creates nothing when an ARN is configured."""

    certificate_arn: pulumi.Output[str]
    certificate: aws.acm.Certificate | None
    validation_record: aws.route53.Record | None
    validation: aws.acm.CertificateValidation | None

    def __init__(self, name: str, args: AlbCertificateArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("albingress:index:AlbCertificate", name, None, opts)
        settings = args.certificate
        self.certificate = None
        self.validation_record = None
        self.validation = None
        if settings.arn is not None:
            self.certificate_arn = pulumi.Output.from_input(settings.arn)
            self.register_outputs({"certificateArn": self.certificate_arn})
            return

        assert settings.domain is not None and settings.zone_id is not None  # enforced by settings
        child = pulumi.ResourceOptions(parent=self, provider=args.provider)
        self.certificate = aws.acm.Certificate(
            f"{name}-cert",
            domain_name=settings.domain,
            validation_method="DNS",
            tags=args.tags,
            opts=child,
        )
        option = self.certificate.domain_validation_options[0]
        self.validation_record = aws.route53.Record(
            f"{name}-validation",
            zone_id=settings.zone_id,
            name=option.resource_record_name,
            type=option.resource_record_type,
            records=[option.resource_record_value],
            ttl=60,
            # Never take over a record someone else made: destroying this stack
            # would then delete it from under them.
            allow_overwrite=False,
            opts=child,
        )
        self.validation = aws.acm.CertificateValidation(
            f"{name}-validation",
            certificate_arn=self.certificate.arn,
            validation_record_fqdns=[self.validation_record.fqdn],
            opts=child,
        )
        self.certificate_arn = self.validation.certificate_arn
        self.register_outputs({"certificateArn": self.certificate_arn})
