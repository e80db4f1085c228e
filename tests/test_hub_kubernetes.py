"""hub/kubernetes/: the class on Zero to JupyterHub, checked as far as one machine can.

No cluster, no Docker, no network: the Helm values and the claim parse and use what the chart and
Kubernetes know, the exchange is the same volume everywhere, the students' nbgrader sees the course
and no Formgrader, and the single-user image installs exactly requirements.txt (plus JupyterHub's
single-user server) and never copies solutions/ or tests/.
"""

import json
import posixpath
import re
import shlex
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from traitlets.config import Config

REPO = Path(__file__).resolve().parent.parent
KUBE = REPO / "hub" / "kubernetes"
EXCHANGE = "/srv/nbgrader/exchange"
COURSE_ID = "dqn-lunar-lander"

# Keys of the z2jh chart's values.schema.yaml (chart 4.4.0; the schema forbids any other).
CHART_TOP_LEVEL = {"cull", "custom", "debug", "enabled", "fullnameOverride", "global", "httpRoute", "hub",
                   "imagePullSecret", "imagePullSecrets", "ingress", "nameOverride", "prePuller", "proxy", "rbac",
                   "scheduling", "singleuser"}
CHART_HUB = {"activeServerLimit", "allowNamedServers", "annotations", "args", "authenticatePrometheus", "baseUrl",
             "command", "concurrentSpawnLimit", "config", "consecutiveFailureLimit", "containerSecurityContext",
             "cookieSecret", "db", "deploymentStrategy", "existingSecret", "extraConfig", "extraContainers",
             "extraEnv", "extraFiles", "extraPodSpec", "extraVolumeMounts", "extraVolumes", "fsGid", "image",
             "initContainers", "labels", "lifecycle", "livenessProbe", "loadRoles", "namedServerLimitPerUser",
             "networkPolicy", "nodeSelector", "pdb", "podSecurityContext", "readinessProbe", "redirectToServer",
             "resources", "revisionHistoryLimit", "service", "serviceAccount", "services", "shutdownOnLogout",
             "templatePaths", "templateVars", "tolerations"}
CHART_SINGLEUSER = {"allowPrivilegeEscalation", "cloudMetadata", "cmd", "cpu", "defaultUrl", "events",
                    "extraAnnotations", "extraContainers", "extraEnv", "extraFiles", "extraLabels",
                    "extraNodeAffinity", "extraPodAffinity", "extraPodAntiAffinity", "extraPodConfig",
                    "extraResource", "extraTolerations", "fsGid", "image", "initContainers", "lifecycleHooks",
                    "memory", "networkPolicy", "networkTools", "nodeSelector", "podNameTemplate", "profileList",
                    "serviceAccountName", "startTimeout", "storage", "uid"}
CHART_STORAGE = {"capacity", "dynamic", "extraLabels", "extraVolumeMounts", "extraVolumes", "homeMountPath",
                 "static", "type"}
CHART_IMAGE = {"name", "pullPolicy", "pullSecrets", "tag"}
CHART_RESOURCE = {"guarantee", "limit"}
CHART_CULL = {"adminUsers", "concurrency", "enabled", "every", "maxAge", "removeNamedServers", "timeout", "users"}
CHART_EXTRA_FILE = {"mountPath", "data", "stringData", "binaryData", "mode"}

# KubeSpawner's byte sizes (jupyterhub.traitlets.ByteSpecification): K, M, G, T in units of 1024.
BYTE_SUFFIXES = {"K": 1024, "M": 1024**2, "G": 1024**3, "T": 1024**4}


# ---------------------------------------------------------------- reading the files

@pytest.fixture(scope="module")
def config() -> dict:
    values = yaml.safe_load((KUBE / "config.yaml").read_text())
    assert isinstance(values, dict), "hub/kubernetes/config.yaml must be a mapping of Helm values"
    return values


@pytest.fixture(scope="module")
def pvc() -> dict:
    documents = [d for d in yaml.safe_load_all((KUBE / "pvc-exchange.yaml").read_text()) if d]
    assert len(documents) == 1, f"pvc-exchange.yaml should hold one object, it holds {len(documents)}"
    return documents[0]


def dockerfile_instructions(text: str) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of a Dockerfile, continuation lines joined, comments left out."""
    instructions, current = [], ""
    for line in text.splitlines():
        stripped = line.strip()
        if not current and (not stripped or stripped.startswith("#")):
            continue
        if stripped.startswith("#"):  # a comment inside a continued instruction
            continue
        current += " " + stripped.removesuffix("\\").strip() if current else stripped.removesuffix("\\").strip()
        if not stripped.endswith("\\"):
            word, _, rest = current.partition(" ")
            instructions.append((word.upper(), rest.strip()))
            current = ""
    assert not current, f"the Dockerfile ends inside an instruction: {current!r}"
    return instructions


@pytest.fixture(scope="module")
def dockerfile() -> list[tuple[str, str]]:
    return dockerfile_instructions((KUBE / "Dockerfile").read_text())


def copies(instructions) -> list[tuple[list[str], str, str]]:
    """Each COPY as (sources, destination resolved against WORKDIR, that WORKDIR)."""
    result, workdir = [], "/"
    for word, args in instructions:
        if word == "WORKDIR":
            workdir = posixpath.join(workdir, args)
        elif word == "COPY":
            parts = [p for p in shlex.split(args) if not p.startswith("--")]
            *sources, destination = parts
            result.append((sources, posixpath.normpath(posixpath.join(workdir, destination)), workdir))
    return result


def normalized(name: str) -> str:
    return re.sub(r"[-_.]+", "-", name).lower()


def pin(spec: str) -> tuple[str, str]:
    """`name[extras]==version` -> (normalized name, version); anything else fails the test."""
    match = re.fullmatch(r"([A-Za-z0-9_.\-]+)(\[[^\]]+\])?==([^\s;]+)", spec)
    assert match, f"{spec!r} is not an exact pin (name==version)"
    return normalized(match.group(1)), match.group(3)


def requirement_pins() -> dict[str, str]:
    pins = {}
    for line in (REPO / "requirements.txt").read_text().splitlines():
        line = line.split("#")[0].strip()
        if line:
            name, version = pin(line)
            pins[name] = version
    return pins


def pip_installs(instructions) -> list[tuple[list[str], str]]:
    """Every `pip install` of the Dockerfile's RUN lines: (its arguments, the WORKDIR it runs in)."""
    commands, workdir = [], "/"
    for word, args in instructions:
        if word == "WORKDIR":
            workdir = posixpath.join(workdir, args)
        if word != "RUN":
            continue
        for command in re.split(r"&&|;|\|\|", args):
            words = shlex.split(command)
            for tool in ("conda", "mamba", "micromamba", "apt-get", "apt"):
                assert not (tool in words and "install" in words), (
                    f"the Dockerfile installs with {tool} ({command.strip()!r}): the image's packages come from "
                    f"requirements.txt alone")
            is_pip = any(posixpath.basename(w) in ("pip", "pip3") for w in words)
            if is_pip and "install" in words:
                commands.append((words[words.index("install") + 1:], workdir))
    return commands


def byte_size(value) -> int:
    if isinstance(value, int):
        return value
    match = re.fullmatch(r"(\d+(?:\.\d+)?)([KMGT])", str(value))
    assert match, f"{value!r} is no size KubeSpawner understands: a number of bytes, or with K, M, G or T"
    return int(float(match.group(1)) * BYTE_SUFFIXES[match.group(2)])


def singleuser_image(config) -> str:
    image = config["singleuser"]["image"]
    return f"{image['name']}:{image['tag']}"


# ---------------------------------------------------------------- config.yaml and the chart

def test_config_uses_only_keys_the_chart_knows(config):
    def unknown(section, known):
        return sorted(set(section) - known)

    assert not unknown(config, CHART_TOP_LEVEL), (
        f"config.yaml has top-level keys the z2jh chart does not know: {unknown(config, CHART_TOP_LEVEL)}")
    hub, singleuser = config.get("hub", {}), config.get("singleuser", {})
    checks = {"hub": (hub, CHART_HUB), "singleuser": (singleuser, CHART_SINGLEUSER),
              "singleuser.storage": (singleuser.get("storage", {}), CHART_STORAGE),
              "singleuser.image": (singleuser.get("image", {}), CHART_IMAGE),
              "singleuser.memory": (singleuser.get("memory", {}), CHART_RESOURCE),
              "singleuser.cpu": (singleuser.get("cpu", {}), CHART_RESOURCE),
              "cull": (config.get("cull", {}), CHART_CULL)}
    for where, (section, known) in checks.items():
        assert not unknown(section, known), f"{where} has keys the z2jh chart does not know: {unknown(section, known)}"
    for name in hub.get("config", {}):
        assert name[:1].isupper(), f"hub.config.{name}: the chart takes only class names (capitalised) there"
    assert {"name", "tag"} <= set(singleuser["image"]), "singleuser.image needs a name and a tag (the chart says so)"
    assert singleuser.get("defaultUrl") == "/lab", "students should land in JupyterLab: singleuser.defaultUrl: /lab"
    assert config.get("cull", {}).get("enabled") and isinstance(config["cull"].get("timeout"), int), (
        "idle servers should be culled: cull.enabled true and cull.timeout in seconds")


def test_resource_limits_are_at_least_the_guarantees(config):
    memory, cpu = config["singleuser"]["memory"], config["singleuser"]["cpu"]
    for name, section in (("memory", memory), ("cpu", cpu)):
        assert section.get("guarantee") is not None and section.get("limit") is not None, (
            f"singleuser.{name} needs a guarantee and a limit (from the README's sizing table)")
    assert byte_size(memory["limit"]) >= byte_size(memory["guarantee"]), (
        f"singleuser.memory.limit ({memory['limit']}) is below its guarantee ({memory['guarantee']})")
    assert float(cpu["limit"]) >= float(cpu["guarantee"]) > 0, (
        f"singleuser.cpu.limit ({cpu['limit']}) is below its guarantee ({cpu['guarantee']}), or the guarantee is 0")


def test_the_exchange_is_the_claims_volume_in_every_user_pod(config, pvc):
    assert pvc.get("apiVersion") == "v1" and pvc.get("kind") == "PersistentVolumeClaim", (
        "pvc-exchange.yaml should be a v1 PersistentVolumeClaim")
    assert pvc["spec"]["accessModes"] == ["ReadWriteMany"], (
        "the exchange is written from pods on many nodes at once: its claim must be ReadWriteMany")
    assert pvc["spec"]["resources"]["requests"].get("storage"), "the exchange's claim requests no storage"
    claim = pvc["metadata"]["name"]

    storage = config["singleuser"]["storage"]
    volumes = storage.get("extraVolumes") or {}
    mounts = storage.get("extraVolumeMounts") or {}
    volumes = list(volumes.values()) if isinstance(volumes, dict) else volumes
    mounts = list(mounts.values()) if isinstance(mounts, dict) else mounts
    at_exchange = [m for m in mounts if m.get("mountPath") == EXCHANGE]
    assert len(at_exchange) == 1, f"one of singleuser.storage.extraVolumeMounts should mount {EXCHANGE}"
    volume = next((v for v in volumes if v.get("name") == at_exchange[0]["name"]), None)
    assert volume is not None, (
        f"the mount at {EXCHANGE} names volume {at_exchange[0]['name']!r}, which is not in extraVolumes")
    assert volume.get("persistentVolumeClaim", {}).get("claimName") == claim, (
        f"the exchange volume should be the claim of pvc-exchange.yaml ({claim!r})")

    # The instructor's course folder sends nbgrader's exchange there too (nbgrader_config.py reads the variable).
    assert config["singleuser"].get("extraEnv", {}).get("DQN_EXCHANGE_ROOT") == EXCHANGE, (
        f"singleuser.extraEnv.DQN_EXCHANGE_ROOT should be {EXCHANGE}, for the instructor's nbgrader_config.py")
    assert "DQN_EXCHANGE_ROOT" in (REPO / "nbgrader_config.py").read_text()

    for container in config["singleuser"].get("initContainers", []):
        for mount in container.get("volumeMounts", []):
            if mount.get("mountPath") == EXCHANGE:
                assert mount["name"] == volume["name"], f"init container {container['name']} mounts another volume"
                assert container["image"] == singleuser_image(config), (
                    f"init container {container['name']} should use the course image {singleuser_image(config)}, "
                    f"not {container['image']}: nodes pull it anyway")


def test_extra_files_are_what_the_chart_renders(config):
    for key, entry in config["singleuser"].get("extraFiles", {}).items():
        assert set(entry) <= CHART_EXTRA_FILE, (
            f"singleuser.extraFiles.{key}: unknown keys {sorted(set(entry) - CHART_EXTRA_FILE)}")
        assert entry.get("mountPath", "").startswith("/"), f"singleuser.extraFiles.{key} needs an absolute mountPath"
        contents = [k for k in ("data", "stringData", "binaryData") if k in entry]
        assert len(contents) == 1, f"singleuser.extraFiles.{key} needs exactly one of data, stringData, binaryData"
        if "data" in entry:
            assert posixpath.splitext(entry["mountPath"])[1] in {".json", ".yaml", ".yml", ".toml"}, (
                f"singleuser.extraFiles.{key}: the chart renders `data` only into .json, .yaml, .yml or .toml files")


def mounted(config, path: str):
    files = config["singleuser"].get("extraFiles", {})
    entry = next((e for e in files.values() if e.get("mountPath") == path), None)
    assert entry is not None, f"no singleuser.extraFiles entry is mounted at {path}"
    return entry


def test_students_nbgrader_sees_the_course_and_its_exchange(config):
    entry = mounted(config, "/etc/jupyter/nbgrader_config.py")  # a system-wide config path nbgrader reads
    c = Config()
    exec(compile(entry["stringData"], "nbgrader_config.py", "exec"), {"get_config": lambda: c})
    assert c.CourseDirectory.course_id == COURSE_ID, f"the students' course id should be {COURSE_ID!r}"
    assert f'course_id = "{COURSE_ID}"' in (REPO / "nbgrader_config.py").read_text(), (
        "the students' course id differs from the course's own nbgrader_config.py")
    assert c.Exchange.root == EXCHANGE, f"the students' exchange root should be {EXCHANGE}, not {c.Exchange.root!r}"


def test_formgrader_is_off_for_students(config):
    # The server side: the file replaces the one nbgrader's install writes into the environment
    # (docker-stacks' conda lives in /opt/conda), keeping what students need.
    installed = Path(sys.prefix, "etc", "jupyter", "jupyter_server_config.d", "nbgrader.json")
    entry = mounted(config, "/opt/conda/etc/jupyter/jupyter_server_config.d/nbgrader.json")
    assert installed.is_file(), f"nbgrader no longer installs {installed.name} there: update config.yaml"
    ours = entry["data"]["ServerApp"]["jpserver_extensions"]
    theirs = json.loads(installed.read_text())["ServerApp"]["jpserver_extensions"]
    assert set(ours) == set(theirs), (
        f"nbgrader's server extensions are {sorted(theirs)}, config.yaml lists {sorted(ours)}")
    assert ours["nbgrader.server_extensions.formgrader"] is False, "students must not get Formgrader's server extension"
    for needed in ("assignment_list", "validate_assignment"):
        assert ours[f"nbgrader.server_extensions.{needed}"] is True, f"students need {needed} (Assignments, Validate)"

    # The JupyterLab side: plugin ids that nbgrader's lab extension really has.
    disabled = mounted(config, "/etc/jupyter/labconfig/page_config.json")["data"]["disabledExtensions"]
    for plugin in ("@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment"):
        assert disabled.get(plugin) is True, f"{plugin} should be disabled for students"
    bundles = Path(sys.prefix, "share", "jupyter", "labextensions", "@jupyter", "nbgrader", "static").glob("*.js")
    text = "".join(p.read_text(errors="replace") for p in bundles)
    unknown = [plugin for plugin in disabled if f'"{plugin}"' not in text]
    assert not unknown, f"{unknown} are no plugins of nbgrader's JupyterLab extension"


def test_config_names_the_image_the_dockerfile_builds(config):
    header = (KUBE / "Dockerfile").read_text()
    built = re.search(r"docker build -f hub/kubernetes/Dockerfile -t (\S+) \.", header)
    assert built, (
        "the Dockerfile's header should say how to build it: docker build -f hub/kubernetes/Dockerfile -t NAME:TAG .")
    assert built.group(1) == singleuser_image(config), (
        f"the Dockerfile builds {built.group(1)}, config.yaml runs {singleuser_image(config)}")


# ---------------------------------------------------------------- the single-user image

def test_dockerfile_starts_from_docker_stacks_with_python_311(dockerfile):
    (base,) = [args for word, args in dockerfile if word == "FROM"]
    defaults = dict(arg.split("=", 1) for word, arg in dockerfile if word == "ARG" and "=" in arg)
    if base.startswith("${") and base.endswith("}"):  # FROM ${BASE_IMAGE}: its default
        base = defaults[base[2:-1]]
    assert ("/" + base).split("/")[-2] == "jupyter" and base.split("@")[0].endswith(":python-3.11"), (
        f"the image should start from a Jupyter docker-stacks image with Python 3.11 (the course's), not {base}")


def test_dockerfile_copies_the_course_and_never_solutions_or_tests(dockerfile):
    sources = [s for srcs, _, _ in copies(dockerfile) for s in srcs]
    assert sources, "the Dockerfile copies nothing from the repository"
    for source in sources:
        top = posixpath.normpath(source).split("/")[0]
        assert top not in {".", "*", ""}, f"COPY {source} copies the whole repository, solutions/ and tests/ with it"
        assert top not in {"solutions", "tests"}, f"the image must not hold {top}/: students would get it"
        assert (REPO / source).exists(), f"the Dockerfile copies {source}, which the repository does not have"
    for needed in ("requirements.txt", "pyproject.toml", "utils", "grading", "data", "notebooks"):
        assert needed in {posixpath.normpath(s) for s in sources}, f"the Dockerfile does not copy {needed}"


def test_the_build_context_holds_only_what_the_dockerfile_copies(dockerfile):
    ignore = KUBE / "Dockerfile.dockerignore"
    patterns = [p.strip() for p in ignore.read_text().splitlines() if p.strip() and not p.startswith("#")]
    assert patterns[0] == "*", "Dockerfile.dockerignore should start by leaving everything out (*)"
    kept = {posixpath.normpath(p[1:]) for p in patterns if p.startswith("!")}
    copied = {posixpath.normpath(s) for srcs, _, _ in copies(dockerfile) for s in srcs}
    assert kept == copied, f"Dockerfile.dockerignore lets in {sorted(kept)}, the Dockerfile copies {sorted(copied)}"


def test_the_image_installs_exactly_requirements_txt_plus_jupyterhub(dockerfile):
    requirements = requirement_pins()
    commands = pip_installs(dockerfile)
    assert len(commands) == 1, f"the Dockerfile should install in one pip command, it has {len(commands)}"
    ((arguments, workdir),) = commands
    assert "--no-cache-dir" in arguments, "pip install --no-cache-dir: the image keeps no wheel cache"

    # What `-r` and `.` read are the files the Dockerfile copied into the folder pip runs in.
    (requirements_file,) = [arguments[i + 1] for i, a in enumerate(arguments) if a in ("-r", "--requirement")]
    assert requirements_file == "requirements.txt", f"pip reads {requirements_file}, not the course's requirements.txt"
    assert "." in arguments, "the Dockerfile should install the course package itself (pip install ... .)"
    for needed in ("requirements.txt", "pyproject.toml"):
        (destination,) = [dest for srcs, dest, _ in copies(dockerfile) if needed in srcs]
        assert destination == posixpath.normpath(workdir), (
            f"{needed} is copied to {destination}, but pip runs in {workdir}")

    image = dict(requirements)
    rest = [a for i, a in enumerate(arguments)
            if not a.startswith("-") and a != "." and arguments[i - 1] not in ("-r", "--requirement")]
    for spec in rest:
        name, version = pin(spec)
        if name == "jupyterhub":
            assert name not in requirements, "jupyterhub is pinned in requirements.txt and again in the Dockerfile"
        else:
            assert name in requirements, (
                f"the Dockerfile installs {spec}, which requirements.txt does not pin: add it there, not to the image")
            assert version == requirements[name], (
                f"the Dockerfile pins {spec}, requirements.txt pins {name}=={requirements[name]}")
        image[name] = version
    assert "jupyterhub" in image, "the image needs JupyterHub's single-user server (jupyterhub==<the hub's version>)"
    assert {k: v for k, v in image.items() if k != "jupyterhub"} == requirements

    # `pip install .` brings only what requirements.txt pins.
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    for dependency in project.get("dependencies", []):
        name = normalized(re.match(r"[A-Za-z0-9_.\-]+", dependency).group(0))
        assert name in requirements, f"the course package needs {dependency}, which requirements.txt does not pin"


def test_the_course_package_builds_from_what_the_image_copies(dockerfile):
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text())
    needed = {pyproject["project"].get("readme", "README.md"), *pyproject["tool"]["setuptools"]["packages"]}
    copied = {posixpath.normpath(s) for srcs, _, _ in copies(dockerfile) for s in srcs}
    assert needed <= copied, f"`pip install .` needs {sorted(needed - copied)}, which the Dockerfile does not copy"


def test_the_image_tells_utils_where_data_is(dockerfile):
    from utils.fixtures import DATA_ENV_VAR

    (data_destination,) = [dest for srcs, dest, _ in copies(dockerfile) if srcs == ["data/"] or srcs == ["data"]]
    environment = {}
    for word, args in dockerfile:
        if word == "ENV":
            for part in shlex.split(args):
                key, _, value = part.partition("=")
                environment[key] = value
    assert environment.get(DATA_ENV_VAR) == data_destination, (
        f"utils is installed into site-packages, away from data/: the image should set "
        f"{DATA_ENV_VAR}={data_destination}, not {environment.get(DATA_ENV_VAR)!r}")


def test_jupyterhub_is_the_version_of_the_single_machine_hub(dockerfile):
    setup = REPO / "hub" / "setup.sh"
    hub_pins = re.findall(r"jupyterhub==([^\s\"']+)", setup.read_text()) if setup.is_file() else []
    if not hub_pins:
        pytest.skip("hub/setup.sh pins no jupyterhub to compare with")
    ((arguments, _),) = pip_installs(dockerfile)
    image = dict(pin(a) for a in arguments if "==" in a)
    assert image.get("jupyterhub") == hub_pins[0], (
        f"the image installs jupyterhub=={image.get('jupyterhub')}, the single-machine hub {hub_pins[0]}: "
        f"the course runs one JupyterHub version")
