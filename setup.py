"""Install finephys. Configs, tools and model-index.yml are shipped inside the package under
finephys/.mim/ (OpenMMLab convention) so `mim` and installed users find them."""
import os
import os.path as osp
import shutil
import sys

from setuptools import find_packages, setup

HERE = osp.dirname(osp.abspath(__file__))


def get_version():
    scope = {}
    with open(osp.join(HERE, 'finephys', 'version.py')) as f:
        exec(f.read(), scope)
    return scope['__version__']


def parse_requirements(fname):
    """Read a requirements file, dropping comments and blank lines."""
    out = []
    with open(osp.join(HERE, 'requirements', fname)) as f:
        for line in f:
            line = line.split('#')[0].strip()
            if line:
                out.append(line)
    return out


def add_mim_extension():
    """Expose configs/, tools/ and model-index.yml as finephys/.mim/* (symlinks for editable
    installs, copies for wheels), as mmpose/mmdet do."""
    if 'develop' in sys.argv or any(a.startswith('editable') for a in sys.argv):
        mode = 'symlink'
    elif any(a in sys.argv for a in ('sdist', 'bdist_wheel')):
        mode = 'copy'
    else:
        mode = 'symlink'
    filenames = ['tools', 'configs', 'model-index.yml']
    mim_path = osp.join(HERE, 'finephys', '.mim')
    os.makedirs(mim_path, exist_ok=True)
    for name in filenames:
        src = osp.join(HERE, name)
        if not osp.exists(src):
            continue
        tar = osp.join(mim_path, name)
        if osp.islink(tar) or osp.isfile(tar):
            os.remove(tar)
        elif osp.isdir(tar):
            shutil.rmtree(tar)
        if mode == 'symlink':
            os.symlink(osp.relpath(src, mim_path), tar)
        elif osp.isdir(src):
            shutil.copytree(src, tar)
        else:
            shutil.copyfile(src, tar)


if __name__ == '__main__':
    add_mim_extension()
    setup(
        name='finephys',
        version=get_version(),
        description='FinePhys: physics-aware skeleton-guided generation of fine-grained action videos',
        long_description=open(osp.join(HERE, 'README.md')).read() if osp.exists(osp.join(HERE, 'README.md')) else '',
        long_description_content_type='text/markdown',
        packages=find_packages(exclude=('configs', 'tools', 'tests', 'projects')),
        include_package_data=True,
        package_data={'finephys': ['.mim/**/*', '.mim/*', 'datasets/texts/*.json']},
        python_requires='>=3.10',
        install_requires=parse_requirements('runtime.txt'),
        extras_require={
            'mm': parse_requirements('mm.txt'),
            'generation': parse_requirements('generation.txt'),
            'tests': parse_requirements('tests.txt'),
        },
        license='Apache-2.0',
        zip_safe=False,
    )
