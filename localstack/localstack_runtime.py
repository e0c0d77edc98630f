"""LocalStack's runtime (what `python -m localstack.runtime.main` runs), with its S3 object store moved
under the launcher's state directory.

LocalStack 4.14 keeps S3 object data in a fixed `/tmp/localstack-s3-storage`
(`localstack.services.s3.provider.DEFAULT_S3_TMP_DIR`, read when the S3 provider is built) and offers no
setting for it; every other directory follows the launcher's FILESYSTEM_ROOT / CONFIG_DIR / TMPDIR
(see local-aws.ts). So this one constant is set here, before the runtime starts, from
REPORT_PIPELINE_S3_STORAGE_DIR; nothing else of LocalStack is changed.
"""

import os
import runpy
import sys

from localstack.services.s3 import provider

provider.DEFAULT_S3_TMP_DIR = os.environ["REPORT_PIPELINE_S3_STORAGE_DIR"]
sys.argv = ["localstack.runtime.main", *sys.argv[1:]]
runpy.run_module("localstack.runtime.main", run_name="__main__", alter_sys=True)
