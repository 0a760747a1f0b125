"""Which IAM permissions one recorded AWS API call needs (for the policy-coverage test).

The mapping follows the Service Authorization Reference: most operations need the action of the
same name; S3's operations map to differently named actions, ``HeadObject``/``GetObject`` also need
``s3:ListBucket`` (without it a missing key answers 403 instead of 404, and the kit relies on the
404), ``CreateModel`` needs ``iam:PassRole`` on its role, ``CreateRole`` with tags needs
``iam:TagRole``, and ``sts:GetCallerIdentity`` needs nothing. A ``ModelLifeCycle`` in a request fills the
condition keys ``sagemaker:ModelLifeCycle:Stage`` and ``...:StageStatus``; creating or reconfiguring a Lambda
function with a role needs ``iam:PassRole`` to ``lambda.amazonaws.com``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlparse

NO_PERMISSION_NEEDED = {("sts", "GetCallerIdentity")}

S3_ACTIONS = {
    "CreateBucket": ("s3:CreateBucket", "bucket"), "HeadBucket": ("s3:ListBucket", "bucket"),
    "ListObjectsV2": ("s3:ListBucket", "bucket"), "DeleteBucket": ("s3:DeleteBucket", "bucket"),
    "PutBucketTagging": ("s3:PutBucketTagging", "bucket"), "GetBucketTagging": ("s3:GetBucketTagging", "bucket"),
    "PutPublicAccessBlock": ("s3:PutBucketPublicAccessBlock", "bucket"),
    "GetPublicAccessBlock": ("s3:GetBucketPublicAccessBlock", "bucket"),
    "PutBucketEncryption": ("s3:PutEncryptionConfiguration", "bucket"),
    "GetBucketEncryption": ("s3:GetEncryptionConfiguration", "bucket"),
    "PutBucketPolicy": ("s3:PutBucketPolicy", "bucket"), "GetBucketPolicy": ("s3:GetBucketPolicy", "bucket"),
    "GetObject": ("s3:GetObject", "object"), "HeadObject": ("s3:GetObject", "object"),
    "PutObject": ("s3:PutObject", "object"), "CreateMultipartUpload": ("s3:PutObject", "object"),
    "UploadPart": ("s3:PutObject", "object"), "CompleteMultipartUpload": ("s3:PutObject", "object"),
    "DeleteObject": ("s3:DeleteObject", "object"),
}


@dataclass(frozen=True)
class Need:
    action: str
    resource: str
    context: tuple = field(default=())

    def context_dict(self) -> dict[str, str]:
        return dict(self.context)


@dataclass
class Account:
    """The run's account facts: region, account id and the ARNs of the roles it touches (paths included)."""

    region: str
    account: str
    role_arns: dict[str, str]

    def sagemaker(self, kind: str, name: str) -> str:
        return f"arn:aws:sagemaker:{self.region}:{self.account}:{kind}/{name.lower()}"

    def package(self, name: str) -> str:
        return name if name.startswith("arn:") else self.sagemaker("model-package", name)

    def role(self, name: str) -> str:
        return self.role_arns.get(name, f"arn:aws:iam::{self.account}:role/{name}")


def needs(op: dict, acct: Account) -> list[Need]:
    """The permissions one recorded call (``{"service", "operation", "params"}``) needs."""
    service, operation, p = op["service"], op["operation"], op["params"]
    if (service, operation) in NO_PERMISSION_NEEDED:
        return []
    if service == "s3":
        action, kind = S3_ACTIONS[operation]
        bucket_arn = f"arn:aws:s3:::{p['Bucket']}"
        if kind == "bucket":
            return [Need(action, bucket_arn)]
        found = [Need(action, f"{bucket_arn}/{p['Key']}")]
        if operation in ("GetObject", "HeadObject"):
            found.append(Need("s3:ListBucket", bucket_arn))
        return found
    if service == "sagemaker":
        return _sagemaker(operation, p, acct)
    if service == "sagemaker-runtime" and operation == "InvokeEndpoint":  # its action is in the sagemaker namespace
        return [Need("sagemaker:InvokeEndpoint", acct.sagemaker("endpoint", p["EndpointName"]))]
    if service == "iam":
        found = [Need(f"iam:{operation}", acct.role(p["RoleName"]))]
        if operation == "CreateRole":
            found.append(Need("iam:TagRole", acct.role(p["RoleName"])))
        return found
    if service == "sqs":
        name = p.get("QueueName") or urlparse(p["QueueUrl"]).path.rsplit("/", 1)[-1]
        return [Need(f"sqs:{operation}", f"arn:aws:sqs:{acct.region}:{acct.account}:{name}")]
    if service == "events":
        rule = p.get("Name") or p.get("Rule")
        return [Need(f"events:{operation}", f"arn:aws:events:{acct.region}:{acct.account}:rule/{rule}")]
    if service == "lambda":
        return _lambda(operation, p, acct)
    if service == "logs" and "logGroupName" in p:
        return [Need(f"logs:{operation}", f"arn:aws:logs:{acct.region}:{acct.account}:log-group:{p['logGroupName']}")]
    if service == "logs" and operation in ("PutResourcePolicy", "DeleteResourcePolicy", "DescribeResourcePolicies"):
        return [Need(f"logs:{operation}", "*")]  # account-level: no resource type in the SAR
    raise AssertionError(f"no IAM mapping for {service}:{operation}; add it to tests/iam_model.py")


def _lambda(operation: str, p: dict, acct: Account) -> list[Need]:
    function = p["FunctionName"]
    arn = function if function.startswith("arn:") else f"arn:aws:lambda:{acct.region}:{acct.account}:function:{function}"
    context = (("lambda:Principal", p["Principal"]),) if operation == "AddPermission" else ()
    found = [Need(f"lambda:{operation}", arn, context)]
    if operation in ("CreateFunction", "UpdateFunctionConfiguration") and p.get("Role"):
        found.append(Need("iam:PassRole", p["Role"], (("iam:PassedToService", "lambda.amazonaws.com"),)))
    return found


def _sagemaker(operation: str, p: dict, acct: Account) -> list[Need]:
    action = f"sagemaker:{operation}"
    status = (("sagemaker:ModelApprovalStatus", p["ModelApprovalStatus"]),) if "ModelApprovalStatus" in p else ()
    lifecycle = p.get("ModelLifeCycle") or {}
    status += tuple((f"sagemaker:ModelLifeCycle:{member}", lifecycle[member]) for member in ("Stage", "StageStatus")
                    if member in lifecycle)
    if operation in ("ListModelPackageGroups", "ListModelPackages", "Search", "ListModels", "ListEndpointConfigs"):
        return [Need(action, "*")]
    if operation in ("CreateModelPackageGroup", "DescribeModelPackageGroup", "DeleteModelPackageGroup"):
        return [Need(action, acct.sagemaker("model-package-group", p["ModelPackageGroupName"]))]
    if operation == "CreateModelPackage":  # the version's ARN does not exist yet: its group is the resource
        return [Need(action, acct.sagemaker("model-package-group", p["ModelPackageGroupName"]), status)]
    if operation in ("DescribeModelPackage", "DeleteModelPackage"):
        return [Need(action, acct.package(p["ModelPackageName"]))]
    if operation == "UpdateModelPackage":
        return [Need(action, acct.package(p["ModelPackageArn"]), status)]
    if operation == "CreateModel":
        return [Need(action, acct.sagemaker("model", p["ModelName"])),
                Need("iam:PassRole", p["ExecutionRoleArn"], (("iam:PassedToService", "sagemaker.amazonaws.com"),))]
    if operation in ("DescribeModel", "DeleteModel"):
        return [Need(action, acct.sagemaker("model", p["ModelName"]))]
    if operation in ("CreateEndpointConfig", "DescribeEndpointConfig", "DeleteEndpointConfig"):
        return [Need(action, acct.sagemaker("endpoint-config", p["EndpointConfigName"]))]
    if operation in ("CreateEndpoint", "UpdateEndpoint"):
        return [Need(action, acct.sagemaker("endpoint", p["EndpointName"])),
                Need(action, acct.sagemaker("endpoint-config", p["EndpointConfigName"]))]
    if operation in ("DescribeEndpoint", "DeleteEndpoint"):
        return [Need(action, acct.sagemaker("endpoint", p["EndpointName"]))]
    raise AssertionError(f"no IAM mapping for sagemaker:{operation}; add it to tests/iam_model.py")
